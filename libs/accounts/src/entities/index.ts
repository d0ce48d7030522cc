export * from './account.entity';
export * from './invitation.entity';
export * from './membership.entity';
