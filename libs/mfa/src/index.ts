// The public face of @latchkey/mfa: what other libs and the apps may use (see test/platform/public-faces).
export { MfaStatusDto, ReauthProofDto } from './dto/mfa.dto';
export { FACTOR_KINDS, factorChangeOf } from './factors/factor-registry';
export { LEVEL_EXACT_FILTERS, MemberSecurityView, SECOND_FACTOR_FILTERS, secondFactorLevels } from './member-security.view';
export { MfaAuditAction } from './mfa.constants';
export { MfaHttpModule, MfaModule } from './mfa.module';
export { MfaService } from './mfa.service';
export { SeededTotp } from './totp/seeded-totp.service';
export { TwoFactorRequirement } from './two-factor-requirement';
