export { FinspaceApiAccess, FinspaceUser, type FinspaceUserProps, FinspaceUserType } from './finspace-user';
export {
  FinspaceUserProvider,
  type FinspaceUserProviderOptions,
  type HandlerRoleArnOutputOptions,
  type IFinspaceUserProvider,
} from './finspace-user-provider';
