import { Button, CircularProgress, TextField, Typography } from '@mui/material';
import { FormEvent, useEffect, useState } from 'react';
import { useNavigate } from 'react-router-dom';

import { forgetMemberships, switchAccount } from '../account';
import { ApiError, api } from '../api';
import { SETUP_ROUTE } from '../authProvider';
import { PUBLIC_ROUTES } from './routes';
import { Outcome, PageButton, PublicCard, SignInButton, codeOf, fieldErrors, messageOf, useEnterConsole, useToken } from './ui';

interface Invitation {
  accountName: string;
  inviterName: string | null;
  role: 'owner' | 'admin' | 'member' | 'viewer';
  email: string;
  expiresAt: string;
  existingUser: boolean;
}

const ROLE = { owner: 'an owner', admin: 'an admin', member: 'a member', viewer: 'a viewer' } as const;

/**
 * The invitation link. A new person chooses a name and password and is signed in by the API's
 * sign-in decision (which sends them to set up 2FA when the account requires it). Someone who
 * already has an account signs in through the normal sign-in page, second factor included, comes
 * back here and accepts with that session.
 */
export function AcceptInvitationPage() {
  const token = useToken();
  const navigate = useNavigate();
  const enterConsole = useEnterConsole();
  const [invitation, setInvitation] = useState<Invitation>();
  const [me, setMe] = useState<{ email: string } | null>();
  const [loadError, setLoadError] = useState<unknown>();
  const [joined, setJoined] = useState<{ accountId: string }>();
  const [error, setError] = useState<unknown>();
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!token) {
      return;
    }
    api<Invitation>(`/invitations/${encodeURIComponent(token)}`)
      .then(setInvitation)
      .catch(setLoadError);
    api<{ email: string }>('/me')
      .then(setMe)
      .catch(() => setMe(null));
  }, [token]);

  const title = invitation ? `Join ${invitation.accountName}` : 'Accept the invitation';
  if (!token || loadError !== undefined) {
    const c = codeOf(loadError);
    return (
      <PublicCard title={title} testId="accept-invitation">
        {c === 'INVITATION_USED' ? (
          <Outcome severity="info" title="This invitation was already accepted." actions={<SignInButton />}>
            Sign in to reach the account.
          </Outcome>
        ) : c === 'INVITATION_EXPIRED' ? (
          <Outcome severity="error" title="This invitation has expired.">
            Invitations work for 7 days. Ask the person who invited you to send a new one.
          </Outcome>
        ) : !token || c === 'INVITATION_NOT_FOUND' ? (
          <Outcome severity="error" title="This invitation link is not valid.">
            It may have been revoked, or replaced by a newer invitation (only the newest link works). Ask the person who invited you to send it again.
          </Outcome>
        ) : (
          <Outcome severity="error" title={messageOf(loadError)} />
        )}
      </PublicCard>
    );
  }
  if (!invitation || me === undefined) {
    return (
      <PublicCard title={title} testId="accept-invitation">
        <CircularProgress aria-label="Loading the invitation" />
      </PublicCard>
    );
  }

  const who = invitation.inviterName ? `${invitation.inviterName} invited` : 'You are invited:';
  const summary = (
    <Typography variant="body1" sx={{ mb: 2 }} data-testid="invitation-summary">
      {who} <strong>{invitation.email}</strong> to join <strong>{invitation.accountName}</strong> as {ROLE[invitation.role]}.
    </Typography>
  );

  const goSignIn = () =>
    navigate(PUBLIC_ROUTES.signIn, {
      state: {
        nextPathname: PUBLIC_ROUTES.acceptInvitation,
        nextSearch: `?token=${encodeURIComponent(token)}`,
        email: invitation.email,
        message: `Sign in as ${invitation.email} to accept the invitation to ${invitation.accountName}.`,
      },
    });

  const enter = (accountId: string, path = '/') => {
    switchAccount(accountId);
    forgetMemberships();
    enterConsole(path);
  };

  const run = async (body: Record<string, unknown>) => {
    setBusy(true);
    try {
      const res = await api<{ accountId: string; status?: string }>(`/invitations/${encodeURIComponent(token)}/accept`, { method: 'POST', body });
      setError(undefined);
      if (res.status === 'mfa_setup_required') {
        enter(res.accountId, SETUP_ROUTE);
      } else if (res.status === 'authenticated') {
        enter(res.accountId);
      } else {
        setJoined({ accountId: res.accountId });
      }
    } catch (err) {
      if (codeOf(err) === 'SIGN_IN_REQUIRED') {
        setInvitation({ ...invitation, existingUser: true });
      }
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  if (joined) {
    return (
      <PublicCard title={title} testId="accept-invitation">
        <Outcome severity="success" title={`You joined ${invitation.accountName} as ${ROLE[invitation.role]}.`} actions={<Button variant="contained" onClick={() => enter(joined.accountId)}>Open {invitation.accountName}</Button>} />
      </PublicCard>
    );
  }

  if (me && me.email.toLowerCase() === invitation.email.toLowerCase()) {
    const setupFirst = codeOf(error) === 'MFA_SETUP_REQUIRED';
    return (
      <PublicCard title={title} testId="accept-invitation">
        {summary}
        {error !== undefined &&
          (setupFirst ? (
            <Outcome severity="warning" title="Set up two-factor authentication first." actions={<PageButton to={SETUP_ROUTE}>Set up two-factor authentication</PageButton>}>
              An account you belong to requires it. Then open the invitation link again to accept.
            </Outcome>
          ) : (
            <Outcome severity="error" title={messageOf(error)} />
          ))}
        {!setupFirst && (
          <Button variant="contained" fullWidth disabled={busy} onClick={() => void run({})} sx={{ mt: 1 }}>
            Accept and join {invitation.accountName}
          </Button>
        )}
      </PublicCard>
    );
  }

  if (me) {
    const switchUser = async () => {
      await api('/auth/logout', { method: 'POST' }).catch(() => undefined);
      forgetMemberships();
      goSignIn();
    };
    return (
      <PublicCard title={title} testId="accept-invitation">
        {summary}
        <Outcome severity="warning" title={`You are signed in as ${me.email}.`} actions={<Button variant="contained" onClick={() => void switchUser()}>Sign out and sign in as {invitation.email}</Button>}>
          This invitation is for another address: only {invitation.email} can accept it.
        </Outcome>
      </PublicCard>
    );
  }

  if (invitation.existingUser) {
    return (
      <PublicCard title={title} testId="accept-invitation">
        {summary}
        <Outcome severity="info" title="This address already has an account." actions={<Button variant="contained" onClick={goSignIn}>Sign in to accept</Button>}>
          Sign in (with your second factor if you use one); you come back here to accept.
        </Outcome>
      </PublicCard>
    );
  }

  const fields = fieldErrors(error);
  const mismatch = error instanceof Error && !(error instanceof ApiError) && error.message === 'mismatch';
  const create = (e: FormEvent) => {
    e.preventDefault();
    if (password !== repeat) {
      setError(new Error('mismatch'));
      return;
    }
    void run({ displayName: name, password });
  };
  return (
    <PublicCard title={title} testId="accept-invitation">
      {summary}
      <Typography variant="body2">Create your account to accept.</Typography>
      <form onSubmit={create}>
        <TextField label="Your name" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} fullWidth margin="normal" required autoFocus error={Boolean(fields.displayName)} helperText={fields.displayName} />
        <TextField label="Choose a password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} fullWidth margin="normal" required error={Boolean(fields.password)} helperText={fields.password ?? 'At least 8 characters; a long phrase is best.'} />
        <TextField label="Repeat the password" type="password" autoComplete="new-password" value={repeat} onChange={(e) => setRepeat(e.target.value)} fullWidth margin="normal" required error={mismatch} helperText={mismatch ? 'The two passwords differ.' : undefined} />
        {error !== undefined && !mismatch && !fields.password && !fields.displayName && <Outcome severity="error" title={messageOf(error)} />}
        <Button type="submit" variant="contained" fullWidth disabled={busy} sx={{ mt: 1 }}>
          Create my account and join
        </Button>
      </form>
    </PublicCard>
  );
}
