import { Box, Button, TextField, ToggleButton, ToggleButtonGroup, Typography } from '@mui/material';
import { FormEvent, useState } from 'react';

import { api } from '../api';
import { PUBLIC_ROUTES } from './routes';
import { Outcome, PageButton, PublicCard, SignInButton, codeOf, fieldErrors, messageOf, useToken } from './ui';

type Factor = 'totp' | 'sms' | 'backup_code';
const FACTOR_HINT: Record<Factor, string> = {
  totp: 'Enter the 6-digit code your authenticator app shows.',
  sms: 'Have a code texted to the phone on your account, then enter it.',
  backup_code: 'Enter one of the backup codes you saved when you set up two-factor authentication. Each works once.',
};

const AskAgain = () => <PageButton to={PUBLIC_ROUTES.forgotPassword}>Ask for a new link</PageButton>;

/**
 * The emailed reset link: a new password, and a second factor when the account has one (the API
 * says so with MFA_CODE_REQUIRED; the link is not spent until the whole reset succeeds).
 */
export function ResetPasswordPage() {
  const token = useToken();
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [needsCode, setNeedsCode] = useState(false);
  const [factor, setFactor] = useState<Factor>('totp');
  const [code, setCode] = useState('');
  const [texted, setTexted] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState(false);
  const [dead, setDead] = useState<string>();
  const [busy, setBusy] = useState(false);

  if (!token) {
    return (
      <PublicCard title="Choose a new password" testId="reset-password">
        <Outcome severity="error" title="This link is incomplete." actions={<AskAgain />}>
          Open the link from the email again, or ask for a new one.
        </Outcome>
      </PublicCard>
    );
  }
  if (done) {
    return (
      <PublicCard title="Password changed" testId="reset-password">
        <Outcome severity="success" title="Your password was changed." actions={<SignInButton />}>
          Every session was signed out, on every device. Sign in with your new password.
        </Outcome>
      </PublicCard>
    );
  }
  if (dead) {
    return (
      <PublicCard title="Choose a new password" testId="reset-password">
        <Outcome severity="error" title="This reset link is invalid, used or expired." actions={<AskAgain />}>
          A link works once, for one hour, and only the newest one works. Ask for a new link and use it within the hour.
        </Outcome>
      </PublicCard>
    );
  }

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (password !== repeat) {
      setError(new Error('mismatch'));
      return;
    }
    setBusy(true);
    try {
      await api('/auth/password/reset', { method: 'POST', body: { token, newPassword: password, ...(needsCode ? { code } : {}) } });
      setDone(true);
    } catch (err) {
      const c = codeOf(err);
      if (c === 'INVALID_TOKEN') {
        setDead(messageOf(err));
      } else if (c === 'MFA_CODE_REQUIRED') {
        setNeedsCode(true);
        setError(undefined);
      } else {
        setError(err);
      }
    } finally {
      setBusy(false);
    }
  };

  const textMe = async () => {
    setBusy(true);
    try {
      const sent = await api<{ phone: string }>('/auth/password/reset/sms', { method: 'POST', body: { token } });
      setTexted(sent.phone);
      setError(undefined);
    } catch (err) {
      if (codeOf(err) === 'INVALID_TOKEN') {
        setDead(messageOf(err));
      } else {
        setError(err);
      }
    } finally {
      setBusy(false);
    }
  };

  const fields = fieldErrors(error);
  const mismatch = error instanceof Error && error.message === 'mismatch';
  const general = error !== undefined && !mismatch && !fields.newPassword && !fields.code ? messageOf(error) : undefined;
  return (
    <PublicCard title="Choose a new password" testId="reset-password">
      <form onSubmit={submit}>
        <TextField label="New password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} fullWidth margin="normal" required autoFocus error={Boolean(fields.newPassword)} helperText={fields.newPassword ?? 'At least 8 characters; a long phrase is best.'} />
        <TextField label="Repeat the new password" type="password" autoComplete="new-password" value={repeat} onChange={(e) => setRepeat(e.target.value)} fullWidth margin="normal" required error={mismatch} helperText={mismatch ? 'The two passwords differ.' : undefined} />
        {needsCode && (
          <Box data-testid="reset-second-factor" sx={{ mt: 2 }}>
            <Typography variant="subtitle2">Two-factor authentication is on for this account</Typography>
            <ToggleButtonGroup exclusive size="small" value={factor} onChange={(_, v: Factor | null) => v && setFactor(v)} sx={{ my: 1, flexWrap: 'wrap' }}>
              <ToggleButton value="totp">Authenticator app</ToggleButton>
              <ToggleButton value="sms">Text message</ToggleButton>
              <ToggleButton value="backup_code">Backup code</ToggleButton>
            </ToggleButtonGroup>
            <Typography variant="body2">{FACTOR_HINT[factor]}</Typography>
            {factor === 'sms' && (
              <Button onClick={() => void textMe()} disabled={busy} sx={{ mt: 1 }}>
                {texted ? 'Text me another code' : 'Text me a code'}
              </Button>
            )}
            {texted && factor === 'sms' && <Typography variant="body2">We texted a code to {texted}. It works for 10 minutes.</Typography>}
            <TextField label="Code" name="code" autoComplete="one-time-code" value={code} onChange={(e) => setCode(e.target.value.trim())} fullWidth margin="normal" required error={Boolean(fields.code)} helperText={fields.code} />
          </Box>
        )}
        {general && <Outcome severity="error" title={general} />}
        <Button type="submit" variant="contained" fullWidth disabled={busy} sx={{ mt: 1 }}>
          Change my password
        </Button>
      </form>
    </PublicCard>
  );
}
