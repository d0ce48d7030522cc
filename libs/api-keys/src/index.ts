export { ApiKeysHttpModule, ApiKeysModule } from './api-keys.module';
export { ApiKeysService } from './api-keys.service';
export * from './api-keys.constants';
export * from './dto/api-keys.dto';
// The account-scoped controller, for the reviewed route → role table (test/accounts/role-matrix).
export { AccountApiKeysController } from './api-keys.controller';
