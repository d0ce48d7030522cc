import { Box, Button, Card, CardContent, Checkbox, FormControlLabel, TextField, Typography } from '@mui/material';
import { FormEvent, useState } from 'react';
import { useLogin, useNotify } from 'react-admin';

import { ApiError, api } from './api';
import { pendingChallenge } from './authProvider';

/** Password, then (when asked) a TOTP, SMS or backup code, with "trust this device". */
export function LoginPage() {
  const login = useLogin();
  const notify = useNotify();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [method, setMethod] = useState('totp');
  const [trust, setTrust] = useState(false);
  const [challenge, setChallenge] = useState<typeof pendingChallenge>();
  const [busy, setBusy] = useState(false);

  const fail = (err: unknown) => notify(err instanceof ApiError ? err.message : 'Sign-in failed', { type: 'error' });

  const submitPassword = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      await login({ username: email, password });
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

  const submitCode = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      await login({ challengeId: challenge!.challengeId, method, code, trustDevice: trust });
    } catch (err) {
      fail(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Box sx={{ minHeight: '100vh', display: 'flex', alignItems: 'center', justifyContent: 'center', bgcolor: 'grey.100', p: 2 }}>
      <Card sx={{ width: '100%', maxWidth: 400 }}>
        <CardContent>
          <Typography variant="h5" component="h1" gutterBottom>
            Sign in to Latchkey
          </Typography>
          {!challenge ? (
            <form onSubmit={submitPassword}>
              <TextField label="Email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} fullWidth margin="normal" required autoFocus />
              <TextField label="Password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} fullWidth margin="normal" required />
              <Button type="submit" variant="contained" fullWidth disabled={busy} sx={{ mt: 2 }}>
                Sign in
              </Button>
            </form>
          ) : (
            <form onSubmit={submitCode}>
              <Typography variant="body2" sx={{ mb: 1 }}>
                Enter a code from your {method === 'backup_code' ? 'backup codes' : method === 'sms' ? 'text message' : 'authenticator app'}.
              </Typography>
              <TextField label="Code" name="code" inputMode="numeric" autoComplete="one-time-code" value={code} onChange={(e) => setCode(e.target.value)} fullWidth margin="normal" required autoFocus />
              <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap' }}>
                {challenge.methods.map((m) => (
                  <Button key={m} size="small" variant={m === method ? 'outlined' : 'text'} onClick={() => void pick(m)}>
                    {m === 'totp' ? 'Authenticator' : m === 'sms' ? 'SMS' : 'Backup code'}
                  </Button>
                ))}
              </Box>
              <FormControlLabel control={<Checkbox checked={trust} onChange={(e) => setTrust(e.target.checked)} />} label="Trust this device for 30 days" />
              <Button type="submit" variant="contained" fullWidth disabled={busy} sx={{ mt: 1 }}>
                Verify
              </Button>
            </form>
          )}
        </CardContent>
      </Card>
    </Box>
  );
}
