import { plainToInstance, Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min, validateSync } from 'class-validator';

const toNum = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));
const COUNTRY_LIST = /^\s*([A-Za-z]{2}\s*(,\s*[A-Za-z]{2}\s*)*)?$/;

/** Caps on what a stranger can make Latchkey send (mails and texts), per hour. */
export class AbuseLimitVariables {
  @IsOptional() @Transform(toNum) @IsInt() @Min(1) @Max(1000) MAIL_PER_ADDRESS_HOURLY?: number;
  @IsOptional() @Transform(toNum) @IsInt() @Min(1) MAIL_PER_IP_HOURLY?: number;
  @IsOptional() @Transform(toNum) @IsInt() @Min(1) SIGNUP_PER_IP_HOURLY?: number;
  @IsOptional() @Transform(toNum) @IsInt() @Min(1) @Max(1000) SMS_PER_NUMBER_HOURLY?: number;
  @IsOptional() @Transform(toNum) @IsInt() @Min(1) SMS_PER_IP_HOURLY?: number;
  @IsOptional() @Transform(toNum) @IsInt() @Min(1) @Max(1000) SMS_PER_ACCOUNT_HOURLY?: number;
  @IsOptional() @Transform(toNum) @IsInt() @Min(1) SMS_PER_DEPLOYMENT_HOURLY?: number;
  @IsOptional()
  @IsString()
  @Matches(COUNTRY_LIST, { message: 'must be comma-separated ISO 3166 alpha-2 codes' })
  SMS_BLOCKED_COUNTRIES?: string;
  @IsOptional()
  @IsString()
  @Matches(COUNTRY_LIST, { message: 'must be comma-separated ISO 3166 alpha-2 codes' })
  SMS_ALLOWED_COUNTRIES?: string;
}

export interface AbuseLimits {
  /** Mails a stranger can trigger to one address (reset, verification resend, invitation, ticket), per hour. */
  mailPerAddressHourly: number;
  /** Such mails asked for from one IP, per hour. */
  mailPerIpHourly: number;
  signupPerIpHourly: number;
  sms: {
    perNumberHourly: number;
    perIpHourly: number;
    perAccountHourly: number;
    perDeploymentHourly: number;
    /** Null: the built-in list. Upper-case ISO codes. */
    blockedCountries: string[] | null;
    /** Empty: every country not blocked. */
    allowedCountries: string[];
  };
}

function countries(value: string | undefined): string[] | null {
  if (value === undefined) {
    return null;
  }
  return value
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean);
}

/** Reads the abuse caps from the same environment as loadConfig; one line per bad setting in `problems`. */
export function loadAbuseLimits(env: Record<string, string | undefined>, problems: string[]): AbuseLimits {
  const parsed = plainToInstance(AbuseLimitVariables, { ...env }, { enableImplicitConversion: false });
  for (const e of validateSync(parsed, { skipMissingProperties: false, whitelist: false })) {
    problems.push(`${e.property}: ${Object.values(e.constraints ?? {}).join('; ')} (got ${JSON.stringify(env[e.property])})`);
  }
  return {
    mailPerAddressHourly: parsed.MAIL_PER_ADDRESS_HOURLY ?? 5,
    mailPerIpHourly: parsed.MAIL_PER_IP_HOURLY ?? 60,
    signupPerIpHourly: parsed.SIGNUP_PER_IP_HOURLY ?? 20,
    sms: {
      perNumberHourly: parsed.SMS_PER_NUMBER_HOURLY ?? 5,
      perIpHourly: parsed.SMS_PER_IP_HOURLY ?? 20,
      perAccountHourly: parsed.SMS_PER_ACCOUNT_HOURLY ?? 10,
      perDeploymentHourly: parsed.SMS_PER_DEPLOYMENT_HOURLY ?? 1000,
      blockedCountries: countries(parsed.SMS_BLOCKED_COUNTRIES),
      allowedCountries: countries(parsed.SMS_ALLOWED_COUNTRIES) ?? [],
    },
  };
}
