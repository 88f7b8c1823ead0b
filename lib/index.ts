export { FinspaceApiAccess, FinspaceUser, type FinspaceUserProps, FinspaceUserType } from './finspace-user';
export { FinspaceUserProvider } from './finspace-user-provider';
