import { Alert, Box, Button, Card, CardContent, Checkbox, Divider, FormControlLabel, Stack, TextField, Typography } from '@mui/material';
import { WebAuthnAbortService, browserSupportsWebAuthn, browserSupportsWebAuthnAutofill, startAuthentication } from '@simplewebauthn/browser';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/browser';
import { FormEvent, useEffect, useState } from 'react';
import { useLogin, useNotify } from 'react-admin';
import { Link as RouterLink, useLocation } from 'react-router-dom';

import { ApiError, api } from './api';
import { pendingChallenge } from './authProvider';
import { ProviderButtons } from './public/providers';
import { PUBLIC_ROUTES } from './public/routes';
import { PageLink, useResetAuthState } from './public/ui';

const METHOD_LABEL: Record<string, string> = { passkey: 'Passkey', totp: 'Authenticator app', sms: 'Text message', backup_code: 'Backup code' };
const METHOD_HINT: Record<string, string> = {
  totp: 'Enter the 6-digit code from your authenticator app.',
  sms: 'Enter the code we texted to your phone.',
  backup_code: 'Enter one of your backup codes. Each works once.',
  passkey: 'Use your passkey: your fingerprint, face, screen lock or security key.',
};

type PasskeyOptions = { challengeId: string; options: Record<string, unknown> };

interface Arrival {
  /** Set by react-admin (or a public page) for the page to return to after the sign-in. */
  nextPathname?: string;
  nextSearch?: string;
  email?: string;
  /** Why the sign-in is asked for (e.g. to accept an invitation). */
  message?: string;
  /** A second step already asked for (a sign-in provider was the first factor). */
  challenge?: { challengeId: string; methods: string[] };
}

/**
 * Password, then (when asked) a TOTP, SMS or backup code with "trust this device". The ways out
 * of a lost password or device are here too: forgot password, the other factors, SMS recovery
 * (not to blocked countries) and a support ticket. After the sign-in the console goes back to
 * the page that asked for it (an invitation, the preferences page of a mail footer).
 */
export function LoginPage() {
  const login = useLogin();
  const notify = useNotify();
  const resetAuth = useResetAuthState();
  const location = useLocation();
  // Kept from the arrival: the first step's navigation drops the location state before the second.
  const [arrival] = useState<Arrival>(() => (location.state as Arrival | null) ?? {});
  const next = arrival.nextPathname ? `${arrival.nextPathname}${arrival.nextSearch ?? ''}` : undefined;
  const [email, setEmail] = useState(arrival.email ?? '');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [method, setMethod] = useState(arrival.challenge?.methods[0] ?? 'totp');
  const [trust, setTrust] = useState(false);
  const [challenge, setChallenge] = useState<typeof pendingChallenge>(arrival.challenge);
  const [recovery, setRecovery] = useState<{ sent?: string; refused?: string }>({});
  const [busy, setBusy] = useState(false);

  // The console may hold an old "not signed in" answer; it must ask again after this sign-in.
  useEffect(resetAuth, [resetAuth]);

  const fail = (err: unknown) => notify(err instanceof ApiError ? err.message : 'Sign-in failed', { type: 'error' });

  /** A passkey alone: the browser's prompt (`autofill`: offered in the email field's suggestions). */
  const passkeySignIn = async (autofill: boolean) => {
    const { challengeId, options } = await api<PasskeyOptions>('/auth/passkey/options', { method: 'POST' });
    const credential = await startAuthentication({
      optionsJSON: options as unknown as PublicKeyCredentialRequestOptionsJSON,
      useBrowserAutofill: autofill,
    });
    setBusy(true);
    try {
      await login({ passkeyChallengeId: challengeId, credential }, next);
    } finally {
      setBusy(false);
    }
  };

  // Conditional mediation: the browser lists this site's passkeys under the email field.
  useEffect(() => {
    let live = true;
    void browserSupportsWebAuthnAutofill().then((ok) => {
      if (ok && live) {
        passkeySignIn(true).catch((err: unknown) => {
          // Aborted when the user picks another way to sign in; a refused passkey is said.
          if (err instanceof ApiError) {
            fail(err);
          }
        });
      }
    });
    return () => {
      live = false;
    };
  }, []);

  const passkeyButton = async () => {
    try {
      await passkeySignIn(false);
    } catch (err) {
      if (err instanceof ApiError) {
        fail(err);
      } else {
        notify('The passkey prompt was cancelled or timed out.', { type: 'warning' });
      }
    }
  };

  const passkeySecondStep = async () => {
    setBusy(true);
    try {
      const { challengeId, options } = await api<PasskeyOptions>('/auth/login/mfa/passkey/options', {
        method: 'POST',
        body: { challengeId: challenge!.challengeId },
      });
      const credential = await startAuthentication({ optionsJSON: options as unknown as PublicKeyCredentialRequestOptionsJSON });
      await login({ challengeId: challenge!.challengeId, method: 'passkey', passkeyChallengeId: challengeId, credential, trustDevice: trust }, next);
    } catch (err) {
      if (err instanceof ApiError) {
        fail(err);
      } else {
        notify('The passkey prompt was cancelled or timed out.', { type: 'warning' });
      }
    } finally {
      setBusy(false);
    }
  };

  const submitPassword = async (e: FormEvent) => {
    e.preventDefault();
    // The user chose the password: the passkey offered in the email field's autofill is withdrawn.
    WebAuthnAbortService.cancelCeremony();
    setBusy(true);
    try {
      await login({ username: email, password }, next);
      if (pendingChallenge) {
        setChallenge(pendingChallenge);
        setMethod(pendingChallenge.methods[0] ?? 'totp');
        if (pendingChallenge.methods[0] === 'sms') {
          await api('/auth/login/mfa/sms', { method: 'POST', body: { challengeId: pendingChallenge.challengeId } }).catch(fail);
        }
      }
    } catch (err) {
      fail(err);
    } finally {
      setBusy(false);
    }
  };

  const pick = async (m: string) => {
    setMethod(m);
    if (m === 'sms') {
      try {
        await api('/auth/login/mfa/sms', { method: 'POST', body: { challengeId: challenge!.challengeId } });
        notify('We sent a code by text message', { type: 'info' });
      } catch (err) {
        fail(err);
      }
    }
  };

  const textRecovery = async () => {
    setBusy(true);
    try {
      const sent = await api<{ phone: string }>('/auth/recovery/sms', { method: 'POST', body: { challengeId: challenge!.challengeId } });
      setMethod('sms');
      setRecovery({ sent: sent.phone });
    } catch (err) {
      setRecovery({ refused: err instanceof ApiError ? err.message : 'The recovery code could not be sent.' });
    } finally {
      setBusy(false);
    }
  };

  const submitCode = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      await login({ challengeId: challenge!.challengeId, method, code, trustDevice: trust }, next);
    } catch (err) {
      fail(err);
    } finally {
      setBusy(false);
    }
  };

  const ticket = { email };
  return (
    <Box sx={{ minHeight: '100vh', display: 'flex', alignItems: 'center', justifyContent: 'center', bgcolor: 'grey.100', p: 2 }}>
      <Card sx={{ width: '100%', maxWidth: 420 }}>
        <CardContent>
          <Typography variant="h5" component="h1" gutterBottom>
            Sign in to Latchkey
          </Typography>
          {arrival.message && (
            <Alert severity="info" sx={{ mb: 1 }}>
              {arrival.message}
            </Alert>
          )}
          {!challenge ? (
            <>
              <form onSubmit={submitPassword}>
                <TextField label="Email" type="email" autoComplete="username webauthn" value={email} onChange={(e) => setEmail(e.target.value)} fullWidth margin="normal" required autoFocus={!email} />
                <TextField label="Password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} fullWidth margin="normal" required autoFocus={Boolean(email)} />
                <Button type="submit" variant="contained" fullWidth disabled={busy} sx={{ mt: 2 }}>
                  Sign in
                </Button>
              </form>
              {browserSupportsWebAuthn() && (
                <Button variant="outlined" fullWidth disabled={busy} sx={{ mt: 1 }} onClick={() => void passkeyButton()}>
                  Sign in with a passkey
                </Button>
              )}
              <ProviderButtons disabled={busy} onError={fail} />
              <Stack direction="row" spacing={2} useFlexGap sx={{ mt: 2, flexWrap: 'wrap', justifyContent: 'space-between' }}>
                <PageLink to={PUBLIC_ROUTES.forgotPassword} state={ticket}>
                  Forgot password?
                </PageLink>
                <PageLink to={`${PUBLIC_ROUTES.supportRequest}?type=mfa_reset`} state={ticket}>
                  Lost your device?
                </PageLink>
              </Stack>
              <Typography variant="body2" sx={{ mt: 2 }}>
                New here? <PageLink to={PUBLIC_ROUTES.signUp}>Create an account</PageLink>
              </Typography>
            </>
          ) : (
            <>
              <form onSubmit={submitCode}>
                <Typography variant="body2" sx={{ mb: 1 }}>
                  {METHOD_HINT[method] ?? METHOD_HINT.totp}
                </Typography>
                {recovery.sent && (
                  <Alert severity="info" sx={{ mb: 1 }}>
                    We texted a recovery code to {recovery.sent}. Signing in with it removes your authenticator app, so you set up a new one right after.
                  </Alert>
                )}
                {method !== 'passkey' && (
                  <TextField label="Code" name="code" inputMode="numeric" autoComplete="one-time-code" value={code} onChange={(e) => setCode(e.target.value)} fullWidth margin="normal" required autoFocus />
                )}
                <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}>
                  {challenge.methods.map((m) => (
                    <Button key={m} size="small" variant={m === method ? 'outlined' : 'text'} onClick={() => void pick(m)}>
                      {METHOD_LABEL[m] ?? m}
                    </Button>
                  ))}
                </Box>
                <FormControlLabel control={<Checkbox checked={trust} onChange={(e) => setTrust(e.target.checked)} />} label="Trust this device for 30 days" />
                {method === 'passkey' ? (
                  <Button variant="contained" fullWidth disabled={busy} sx={{ mt: 1 }} onClick={() => void passkeySecondStep()}>
                    Use your passkey
                  </Button>
                ) : (
                  <Button type="submit" variant="contained" fullWidth disabled={busy} sx={{ mt: 1 }}>
                    Verify
                  </Button>
                )}
              </form>
              <Divider sx={{ my: 2 }} />
              <Box data-testid="lost-device">
                <Typography variant="subtitle2">Lost your device?</Typography>
                <Typography variant="body2" sx={{ mb: 1 }}>
                  {challenge.methods.includes('backup_code') ? 'Use one of your backup codes above, or ' : ''}
                  {challenge.methods.includes('sms') && challenge.methods.includes('totp') ? 'have a recovery code texted to your phone, or ' : ''}
                  ask support to check it is you and reset your two-factor authentication.
                </Typography>
                {recovery.refused && (
                  <Alert severity="warning" sx={{ mb: 1 }}>
                    {recovery.refused}
                  </Alert>
                )}
                <Stack direction="row" spacing={1} useFlexGap sx={{ flexWrap: 'wrap' }}>
                  {challenge.methods.includes('sms') && challenge.methods.includes('totp') && !recovery.refused && (
                    <Button size="small" variant="outlined" disabled={busy} onClick={() => void textRecovery()}>
                      Text me a recovery code
                    </Button>
                  )}
                  <Button size="small" variant={recovery.refused ? 'contained' : 'text'} component={RouterLink} to={`${PUBLIC_ROUTES.supportRequest}?type=mfa_reset`} state={ticket}>
                    Open a support ticket
                  </Button>
                </Stack>
              </Box>
            </>
          )}
        </CardContent>
      </Card>
    </Box>
  );
}
