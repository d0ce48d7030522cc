// The public face of @latchkey/auth: what other libs and the apps may use (see test/platform/public-faces).
export { authError } from './auth.exception';
export { AuthHttpModule, AuthModule } from './auth.module';
export { LastSignInView } from './last-sign-in.view';
export { LoginActivityDto, LoginResponseDto, SessionInfoDto } from './dto/auth.dto';
export { LoginActivityService } from './login-activity.service';
export { LoginThrottle } from './login-throttle.service';
export { LoginUseCase, type LoginResult } from './login.use-case';
export { PasswordCheck } from './password-check.service';
export { PasswordService } from './password.service';
export { ReauthService, type Reauthenticated } from './reauth.service';
export { DEVICE_COOKIE, SessionCookies } from './session-cookies';
export { SignInAnswer } from './sign-in-answer';
export { SignInSteps, type SecondFactorProof, type SignInContext, type SignInDecision, type SignInStep } from './sign-in-steps';
