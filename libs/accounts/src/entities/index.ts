export * from './account.entity';
export * from './invitation.entity';
export * from './membership.entity';
export * from './account-billing.entity';
