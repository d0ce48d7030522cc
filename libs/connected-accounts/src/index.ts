export { ConnectedAccountsModule } from './connected-accounts.module';
export * from './connected-accounts.constants';
export * from './dto/connected-accounts.dto';
