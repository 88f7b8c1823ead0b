export {
  FinspaceApiAccess,
  FinspaceUser,
  type FinspaceUserAttributes,
  type FinspaceUserProps,
  FinspaceUserType,
  type IFinspaceUser,
} from './finspace-user';
export {
  FinspaceUserProvider,
  type FinspaceUserProviderOptions,
  type HandlerRoleArnOutputOptions,
  type IFinspaceUserProvider,
} from './finspace-user-provider';
