import { Alert, Box, Button, CircularProgress, Divider, Stack, TextField, Typography } from '@mui/material';
import { FormEvent, useEffect, useRef, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router-dom';

import { Schemas, api } from '../api';
import { SETUP_ROUTE } from '../authProvider';
import { SIGNED_IN_ROUTES, PUBLIC_ROUTES } from './routes';
import { Outcome, PublicCard, SignInButton, codeOf, messageOf, useEnterConsole, useToken } from './ui';

type Provider = Schemas['ProviderDto'];
type Result = Schemas['ProviderResultDto'];

/** Leaving the console for another site (a seam for component tests). */
export const browser = { go: (url: string) => window.location.assign(url) };

/** Sends the browser to the provider: the API answers its URL and sets the flow cookie. */
export async function goToProvider(start: () => Promise<{ authorizationUrl: string }>): Promise<void> {
  const { authorizationUrl } = await start();
  browser.go(authorizationUrl);
}

/** "Continue with …" for every configured provider; nothing at all when none is. */
export function ProviderButtons({ disabled, onError }: { disabled?: boolean; onError: (err: unknown) => void }) {
  const [providers, setProviders] = useState<Provider[]>([]);
  useEffect(() => {
    api
      .get('/auth/providers')
      .then((res) => setProviders(res.items))
      .catch(() => setProviders([]));
  }, []);
  if (providers.length === 0) {
    return null;
  }
  return (
    <Box data-testid="provider-buttons">
      <Divider sx={{ my: 2 }}>or</Divider>
      <Stack spacing={1}>
        {providers.map((p) => (
          <Button
            key={p.id}
            variant="outlined"
            fullWidth
            disabled={disabled}
            onClick={() => void goToProvider(() => api.post('/auth/providers/{provider}/start', { params: { provider: p.id }, body: { intent: 'sign_in' } })).catch(onError)}
          >
            Continue with {p.displayName}
          </Button>
        ))}
      </Stack>
    </Box>
  );
}

const ERRORS: Record<string, string> = {
  expired: 'This sign-in expired, was already used, or was started in another browser. Start again from the sign-in page.',
  unavailable: 'The sign-in could not be finished right now. Try again in a moment.',
};

/**
 * Where the API's callback sends the browser back from a provider: asks the API how it ended and
 * goes on (into the console, to the second factor, to My account), or, when an account with the
 * same verified email exists, asks for its password (and code) to connect the provider first.
 */
/** Goes on from a provider outcome: into the console, to the second factor, to My account. */
function useGoOn(onLinkRequired: (link: { provider: string; email: string }) => void) {
  const navigate = useNavigate();
  const enter = useEnterConsole();
  return (res: Result) => {
    switch (res.status) {
      case 'link_required':
        onLinkRequired({ provider: res.provider ?? '', email: res.email ?? '' });
        return;
      case 'mfa_required':
        navigate(PUBLIC_ROUTES.signIn, { state: { challenge: { challengeId: res.challengeId, methods: res.methods ?? [] } } });
        return;
      case 'mfa_setup_required':
        enter(SETUP_ROUTE);
        return;
      case 'linked':
      case 'reauthenticated':
        enter(`${SIGNED_IN_ROUTES.connectedAccounts}?${res.status}=${encodeURIComponent(res.provider ?? '')}`);
        return;
      default:
        enter('/');
    }
  };
}

export function ProviderReturnPage() {
  const [params] = useSearchParams();
  const [error, setError] = useState<string | undefined>(params.get('error') ? (ERRORS[params.get('error')!] ?? ERRORS.expired) : undefined);
  const [link, setLink] = useState<{ provider: string; email: string }>();
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [needCode, setNeedCode] = useState(false);
  const [busy, setBusy] = useState(false);
  const [mailed, setMailed] = useState<string>();
  const asked = useRef(false);
  const go = useGoOn(setLink);

  const emailLink = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setMailed((await api.post('/auth/providers/link-by-email')).detail);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    if (error || asked.current) {
      return;
    }
    asked.current = true;
    api
      .post('/auth/providers/result')
      .then(go)
      .catch((err: unknown) => setError(messageOf(err)));
  }, []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      go(await api.post('/auth/providers/link-existing', { body: code.trim() ? { password, code: code.trim() } : { password } }));
    } catch (err) {
      if (codeOf(err) === 'MFA_CODE_REQUIRED') {
        setNeedCode(true);
      }
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  if (link) {
    return (
      <PublicCard title="Connect to your existing account" testId="provider-link-existing">
        <Typography variant="body2" sx={{ mb: 1 }}>
          There is already an account for <strong>{link.email}</strong>. Enter its password{needCode ? ' and a code' : ''} to connect your sign-in
          with {link.provider} to it; from then on either works.
        </Typography>
        {error && (
          <Alert severity="error" sx={{ mb: 1 }}>
            {error}
          </Alert>
        )}
        <form onSubmit={(e) => void submit(e)}>
          <TextField label="Password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} fullWidth margin="normal" required autoFocus />
          {needCode && (
            <TextField label="Code from your authenticator, a text message or a backup code" value={code} onChange={(e) => setCode(e.target.value)} fullWidth margin="normal" required />
          )}
          <Button type="submit" variant="contained" fullWidth disabled={busy || !password} sx={{ mt: 1 }}>
            Connect and sign in
          </Button>
        </form>
        <Divider sx={{ my: 2 }}>or</Divider>
        {mailed ? (
          <Alert severity="info" data-testid="provider-link-mailed">
            {mailed}
          </Alert>
        ) : (
          <Button variant="outlined" fullWidth disabled={busy} onClick={() => void emailLink()}>
            Email me a link instead
          </Button>
        )}
      </PublicCard>
    );
  }
  return (
    <PublicCard title="Signing you in" testId="provider-return">
      {error ? (
        <Outcome severity="error" title="The sign-in did not finish." actions={<SignInButton />}>
          {error}
        </Outcome>
      ) : (
        <CircularProgress aria-label="Finishing the sign-in" />
      )}
    </PublicCard>
  );
}

/**
 * The emailed link that connects a provider to the existing account (after link_required). It
 * works only in the browser where the sign-in started (the flow cookie), so a forwarded link is
 * useless; one button, so a mail scanner that opens links connects nothing.
 */
export function LinkAccountPage() {
  const token = useToken();
  const [error, setError] = useState<string | undefined>(token ? undefined : 'This link is not complete. Open it from the email again.');
  const [busy, setBusy] = useState(false);
  const go = useGoOn(() => setError(ERRORS.expired));

  const confirm = async () => {
    setBusy(true);
    try {
      go(await api.post('/auth/providers/link-by-email/confirm', { body: { token } }));
    } catch (err) {
      setError(
        codeOf(err) === 'PROVIDER_FLOW_INVALID'
          ? 'This link works only in the browser where you started signing in, within 10 minutes, and once. Open it there, or start again from the sign-in page.'
          : messageOf(err),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <PublicCard title="Connect your sign-in" testId="link-account">
      {error ? (
        <Outcome severity="error" title="The account was not connected." actions={<SignInButton />}>
          {error}
        </Outcome>
      ) : (
        <>
          <Typography variant="body2" sx={{ mb: 2 }}>
            Connect the provider you just signed in with to your account, and sign in. From then on either works.
          </Typography>
          <Button variant="contained" fullWidth disabled={busy} onClick={() => void confirm()}>
            Connect and sign in
          </Button>
        </>
      )}
    </PublicCard>
  );
}
