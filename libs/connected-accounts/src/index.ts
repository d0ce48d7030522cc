// The public face of @latchkey/connected-accounts: what other libs and the apps may use (see test/platform/public-faces).
export { ConnectedAccountsHttpModule, ConnectedAccountsModule } from './connected-accounts.module';
export { ConnectedAccountsAuditAction } from './connected-accounts.constants';
export {
  ProviderDto,
  ProviderListDto,
  StartProviderSignInDto,
  StartLinkDto,
  AuthorizationUrlDto,
  LinkExistingDto,
  ProviderResultSessionDto,
  ProviderResultDto,
  ConnectedAccountDto,
  ConnectedAccountListDto,
  UnlinkDto,
} from './dto/connected-accounts.dto';
