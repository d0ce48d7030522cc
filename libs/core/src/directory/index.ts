export { AccountMemberships } from './account-memberships';
