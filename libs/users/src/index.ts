// The public face of @latchkey/users: what other libs and the apps may use (see test/platform/public-faces).
export { AcceptedDto, TokenDto, UserDto, UserRefDto } from './dto/user.dto';
export { PasswordGate } from './password-gate';
export { checkPassword } from './password-policy';
export { UserTokensService } from './user-tokens.service';
export type { User } from './user.entity';
export { UsersHttpModule, UsersModule } from './users.module';
export { UsersService } from './users.service';
export { UserView } from './views/user.view';
