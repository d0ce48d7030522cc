import { StaffGate } from '@latchkey/core';
import { SessionsModule } from '@latchkey/sessions';
import { PasswordGate, UsersModule } from '@latchkey/users';
import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';

import { AuthController } from './auth.controller';
import { SessionAuthGuard } from './guards/session-auth.guard';
import { LocalStrategy } from './local.strategy';
import { LoginActivityExportPart } from './login-activity-export.part';
import { LoginActivity } from './login-activity.entity';
import { LoginActivityService } from './login-activity.service';
import { LoginThrottle } from './login-throttle.service';
import { LoginUseCase } from './login.use-case';
import { PasswordCheck } from './password-check.service';
import { PasswordService } from './password.service';
import { ReauthService } from './reauth.service';
import { SessionCookies } from './session-cookies';
import { SignInAnswer } from './sign-in-answer';
import { SignInSteps } from './sign-in-steps';
import { StaffTwoFactorGate } from './staff-gate.service';
import { LastSignInView, SqlLastSignInView } from './last-sign-in.view';

/**
 * Sign-in and passwords, without HTTP: the worker and the CLI load it. Global for the StaffGate
 * and PasswordGate ports it fills. The routes, the global session guard and the passport strategy
 * are AuthHttpModule's.
 */
@Global()
@Module({
  imports: [UsersModule, SessionsModule, TypeOrmModule.forFeature([LoginActivity])],
  providers: [
    LoginUseCase,
    LoginThrottle,
    LoginActivityService,
    LoginActivityExportPart,
    PasswordCheck,
    { provide: PasswordGate, useExisting: PasswordCheck },
    PasswordService,
    ReauthService,
    SessionCookies,
    SignInAnswer,
    SignInSteps,
    { provide: StaffGate, useClass: StaffTwoFactorGate },
    { provide: LastSignInView, useClass: SqlLastSignInView },
  ],
  exports: [
    StaffGate,
    LastSignInView,
    PasswordCheck,
    PasswordGate,
    LoginUseCase,
    LoginThrottle,
    LoginActivityService,
    PasswordService,
    ReauthService,
    SessionCookies,
    SignInAnswer,
    SignInSteps,
    UsersModule,
    SessionsModule,
  ],
})
export class AuthModule {}

/** The API's side of auth: the sign-in routes, the passport strategy and the global guard that authenticates every request. */
@Module({
  imports: [PassportModule, AuthModule],
  controllers: [AuthController],
  providers: [{ provide: APP_GUARD, useClass: SessionAuthGuard }, LocalStrategy],
})
export class AuthHttpModule {}
