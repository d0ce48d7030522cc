import { Alert, Box, Chip, Table, TableBody, TableCell, TableHead, TableRow, Typography } from '@mui/material';
import { useState } from 'react';
import { useLogout, useNotify } from 'react-admin';

import { problem } from '../accounts/settings';
import { api } from '../api';
import { ConfirmButton, Loading, Section, useLoad } from './common';
import { ChangePassword } from './email-password';
import { Passkeys } from './passkeys';
import { ProofDialog, RemoveFactor, SmsSetup } from './sms-setup';
import { Authenticators } from './authenticators';
import { BackupCodes } from './totp-setup';

interface MfaStatus {
  enabled: boolean;
  totp: boolean;
  authenticators: number;
  sms: string | null;
  passkeys: number;
  backupCodesRemaining: number;
  requiredBy: string[];
}

type Row = { id: string; ip: string | null; browser: string | null; os: string | null; location: string | null } & Record<string, unknown>;

const who = (r: Row) => [r.browser, r.os].filter(Boolean).join(' on ') || 'Unknown device';
const when = (iso: unknown) => (iso ? new Date(String(iso)).toLocaleString() : 'never');

function TwoFactor() {
  const mfa = useLoad<MfaStatus>('/me/mfa');
  const [codes, setCodes] = useState<string[]>();
  const notify = useNotify();
  return (
    <Section title="Two-factor authentication" id="two-factor">
      {!mfa.data ? (
        <Loading error={mfa.error} />
      ) : (
        <>
          <Box sx={{ display: 'flex', gap: 1, mb: 2, flexWrap: 'wrap' }} data-testid="mfa-status">
            <Chip color={mfa.data.enabled ? 'success' : 'warning'} label={mfa.data.enabled ? '2FA is on' : '2FA is off'} />
            {mfa.data.authenticators > 0 && (
              <Chip label={mfa.data.authenticators === 1 ? 'Authenticator app' : `${mfa.data.authenticators} authenticator apps`} />
            )}
            {mfa.data.sms && <Chip label={`SMS ${mfa.data.sms}`} />}
            {mfa.data.passkeys > 0 && <Chip label={mfa.data.passkeys === 1 ? '1 passkey' : `${mfa.data.passkeys} passkeys`} />}
            {mfa.data.enabled && <Chip variant="outlined" label={`${mfa.data.backupCodesRemaining} backup codes left`} />}
          </Box>
          {mfa.data.requiredBy.length > 0 && !mfa.data.enabled && (
            <Alert severity="warning">Required by {mfa.data.requiredBy.join(', ')}.</Alert>
          )}
          <Authenticators count={mfa.data.authenticators} onChange={mfa.reload} />
          {!mfa.data.sms && <SmsSetup onDone={mfa.reload} />}
          <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', mt: 1 }}>
            {mfa.data.sms && <RemoveFactor label="text messages" path="/me/mfa/sms" onDone={mfa.reload} />}
            {mfa.data.enabled && (
              <ProofDialog
                buttonLabel="Regenerate backup codes"
                title="New backup codes"
                body="Your old codes stop working. Confirm with your password and a current code."
                confirmLabel="Regenerate"
                onSubmit={async (proof) => {
                  const res = await api<{ backupCodes: string[] }>('/me/mfa/backup-codes/regenerate', { method: 'POST', body: proof });
                  setCodes(res.backupCodes);
                  mfa.reload();
                }}
              />
            )}
            {mfa.data.enabled && (
              <ProofDialog
                buttonLabel="Reset two-factor authentication"
                title="Reset two-factor authentication?"
                body="Every factor, backup code and trusted device is removed, so you can set 2FA up again (for example on a new phone). Accounts that require 2FA will ask you to set it up at once. Confirm with your password and a current code."
                confirmLabel="Reset 2FA"
                color="error"
                onSubmit={async (proof) => {
                  await api('/me/mfa/reset', { method: 'POST', body: proof });
                  setCodes(undefined);
                  notify('Two-factor authentication is off: set it up again.', { type: 'info' });
                  mfa.reload();
                }}
              />
            )}
          </Box>
          {codes && <BackupCodes codes={codes} />}
          <Passkeys onChange={mfa.reload} />
        </>
      )}
    </Section>
  );
}

function TrustedDevices() {
  const notify = useNotify();
  const devices = useLoad<Row[]>('/me/trusted-devices');
  const act = (path: string, done: string) => async () => {
    try {
      await api(path, { method: 'DELETE' });
      notify(done, { type: 'success' });
    } catch (err) {
      notify(problem(err), { type: 'error' });
    }
    devices.reload();
  };
  return (
    <Section title="Trusted devices" id="trusted-devices">
      <Typography variant="body2" color="text.secondary" gutterBottom>
        These devices skip the code step at sign-in for 30 days. Forget any you do not recognise.
      </Typography>
      {!devices.data ? (
        <Loading error={devices.error} />
      ) : devices.data.length === 0 ? (
        <Typography color="text.secondary" data-testid="no-trusted-devices">
          No trusted devices.
        </Typography>
      ) : (
        <>
          <Box sx={{ overflowX: 'auto' }}>
            <Table size="small">
              <TableHead>
                <TableRow>
                  <TableCell>Device</TableCell>
                  <TableCell>IP</TableCell>
                  <TableCell>Last used</TableCell>
                  <TableCell>Trusted until</TableCell>
                  <TableCell />
                </TableRow>
              </TableHead>
              <TableBody>
                {devices.data.map((d) => (
                  <TableRow key={d.id} data-testid="trusted-device">
                    <TableCell>
                      {who(d)}
                      {d.location ? ` · ${d.location}` : ''}
                    </TableCell>
                    <TableCell>{d.ip}</TableCell>
                    <TableCell>{when(d.lastUsedAt)}</TableCell>
                    <TableCell>{new Date(String(d.expiresAt)).toLocaleDateString()}</TableCell>
                    <TableCell align="right">
                      <ConfirmButton
                        label="Forget"
                        title="Stop trusting this device?"
                        body="It will be asked for a code at the next sign-in."
                        onConfirm={act(`/me/trusted-devices/${d.id}`, 'Device forgotten')}
                      />
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </Box>
          <ConfirmButton
            label="Forget all devices"
            variant="outlined"
            title="Stop trusting every device?"
            body="Every device, this one included, will be asked for a code at its next sign-in."
            onConfirm={act('/me/trusted-devices', 'Every device forgotten')}
          />
        </>
      )}
    </Section>
  );
}

function Sessions() {
  const notify = useNotify();
  const logout = useLogout();
  const sessions = useLoad<{ items: Row[] }>('/me/sessions');
  const act = (path: string, method: string, done: string) => async () => {
    try {
      await api(path, { method, body: method === 'POST' ? {} : undefined });
      notify(done, { type: 'success' });
    } catch (err) {
      notify(problem(err), { type: 'error' });
    }
    sessions.reload();
  };
  return (
    <Section title="Active sessions" id="sessions">
      {!sessions.data ? (
        <Loading error={sessions.error} />
      ) : (
        <>
          <Box sx={{ overflowX: 'auto' }}>
            <Table size="small">
              <TableHead>
                <TableRow>
                  <TableCell>Device</TableCell>
                  <TableCell>IP</TableCell>
                  <TableCell>Location</TableCell>
                  <TableCell>Last active</TableCell>
                  <TableCell />
                </TableRow>
              </TableHead>
              <TableBody>
                {sessions.data.items.map((s) => (
                  <TableRow key={s.id} data-testid="session-row">
                    <TableCell>
                      {who(s)} {s.current ? <Chip size="small" color="primary" label="This session" /> : null}
                    </TableCell>
                    <TableCell>{s.ip}</TableCell>
                    <TableCell>{s.location}</TableCell>
                    <TableCell>{when(s.lastActiveAt)}</TableCell>
                    <TableCell align="right">
                      {!s.current && (
                        <ConfirmButton
                          label="Sign out"
                          title="Sign out this session?"
                          body="That device will have to sign in again."
                          onConfirm={act(`/me/sessions/${s.id}`, 'DELETE', 'Session ended')}
                        />
                      )}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </Box>
          <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', mt: 1 }}>
            <ConfirmButton
              label="Sign out everywhere else"
              title="Sign out every other session?"
              body="Every other device will have to sign in again. This one stays signed in."
              onConfirm={act('/me/sessions/revoke-others', 'POST', 'Other sessions ended')}
            />
            <ConfirmButton
              label="Sign out everywhere"
              variant="outlined"
              title="Sign out of every session, this one included?"
              body="Use this if you suspect someone else has access. Every device, this one included, has to sign in again."
              onConfirm={async () => {
                try {
                  await api('/me/sessions/revoke-all', { method: 'POST', body: {} });
                } catch (err) {
                  notify(problem(err), { type: 'error' });
                  return;
                }
                await logout({}, '/login', false);
              }}
            />
          </Box>
        </>
      )}
    </Section>
  );
}

function LoginActivity() {
  const activity = useLoad<{ items: Row[] }>('/me/login-activity?limit=20');
  return (
    <Section title="Login activity" id="login-activity">
      {!activity.data ? (
        <Loading error={activity.error} />
      ) : activity.data.items.length === 0 ? (
        <Typography color="text.secondary">No sign-ins recorded.</Typography>
      ) : (
        <Box sx={{ overflowX: 'auto' }}>
          <Table size="small">
            <TableHead>
              <TableRow>
                <TableCell>When</TableCell>
                <TableCell>Outcome</TableCell>
                <TableCell>Device</TableCell>
                <TableCell>IP</TableCell>
                <TableCell>Location</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {activity.data.items.map((a) => (
                <TableRow key={a.id}>
                  <TableCell>{when(a.occurredAt)}</TableCell>
                  <TableCell>{String(a.outcome).replace(/_/g, ' ')}</TableCell>
                  <TableCell>{who(a)}</TableCell>
                  <TableCell>{a.ip}</TableCell>
                  <TableCell>{a.location}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Box>
      )}
    </Section>
  );
}

export function SecurityTab() {
  const [generation, setGeneration] = useState(0);
  return (
    <>
      <ChangePassword onChanged={() => setGeneration((g) => g + 1)} />
      <TwoFactor />
      <TrustedDevices />
      <Sessions key={generation} />
      <LoginActivity />
    </>
  );
}
