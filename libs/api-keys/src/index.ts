export { ApiKeysModule } from './api-keys.module';
export { ApiKeysService } from './api-keys.service';
export * from './api-keys.constants';
export * from './dto/api-keys.dto';
