import { Alert, Box, Card, CardContent, Chip, CircularProgress, Table, TableBody, TableCell, TableRow, Typography } from '@mui/material';
import { useEffect, useState } from 'react';
import { Datagrid, DateField, List, TextField, TextInput, Title, useNotify } from 'react-admin';
import { useParams } from 'react-router-dom';

import { problem } from '../accounts/settings';
import { api } from '../api';
import { ConfirmButton } from '../me/common';
import { StaffTwoFactorNotice } from './staff-2fa';

export function StaffUserList() {
  return (
    <>
      <StaffTwoFactorNotice />
      <List title="User lookup" exporter={false} filters={[<TextInput key="q" source="q" label="Email or name" alwaysOn />]}>
        <Datagrid
          bulkActionButtons={false}
          rowClick={(id) => `/staff-users/${id}/show`}
          empty={<p style={{ padding: 16 }}>No user matches.</p>}
        >
          <TextField source="email" sortable={false} />
          <TextField source="displayName" label="Name" sortable={false} />
          <TextField source="staffRole" label="Staff" emptyText="-" sortable={false} />
          <DateField source="createdAt" label="Since" sortable={false} />
        </Datagrid>
      </List>
    </>
  );
}

type Row = Record<string, string | boolean | null>;
interface Detail {
  email: string;
  displayName: string;
  mfa: { enabled: boolean; totp: boolean; sms: string | null; passkeys: number; backupCodesRemaining: number };
  sessions: Row[];
  recentLogins: Row[];
  memberships: Array<{ accountId: string; name: string; role: string; require2fa: boolean }>;
  apiKeys: { active: number; total: number };
}

/** Help page 003: support can email a user the reset link; the agent never sees the token. */
function SendPasswordReset({ id, email }: { id: string; email: string }) {
  const notify = useNotify();
  return (
    <ConfirmButton
      label="Send password reset"
      color="primary"
      variant="outlined"
      title={`Email ${email} a password-reset link?`}
      body="They get the same email as after “Forgot password?”, valid for 1 hour. Nothing changes until they use it, and their two-factor code is still asked for."
      onConfirm={async () => {
        try {
          await api(`/admin/users/${id}/password-reset`, { method: 'POST' });
          notify(`A password-reset link was emailed to ${email}`, { type: 'success' });
        } catch (err) {
          notify(problem(err), { type: 'error' });
        }
      }}
    />
  );
}

export function StaffUserShow() {
  const { id } = useParams();
  const [u, setU] = useState<Detail>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    api<Detail>(`/admin/users/${id}`)
      .then(setU)
      .catch((err) => setError(problem(err)));
  }, [id]);
  if (!u) {
    return error ? <Alert severity="error">{error}</Alert> : <CircularProgress sx={{ m: 4 }} aria-label="Loading" />;
  }
  return (
    <Box sx={{ mt: 2, display: 'flex', flexDirection: 'column', gap: 2, maxWidth: 960 }}>
      <Title title={u.email} />
      <Card>
        <CardContent>
          <Typography variant="h6" component="h2">
            {u.displayName} · {u.email}
          </Typography>
          <Box sx={{ display: 'flex', gap: 1, my: 1, flexWrap: 'wrap' }}>
            <Chip color={u.mfa.enabled ? 'success' : 'warning'} label={u.mfa.enabled ? '2FA on' : '2FA off'} />
            {u.mfa.totp && <Chip label="Authenticator" />}
            {u.mfa.sms && <Chip label={`SMS ${u.mfa.sms}`} />}
            {u.mfa.passkeys > 0 && <Chip label={`${u.mfa.passkeys} passkey${u.mfa.passkeys === 1 ? '' : 's'}`} />}
            {u.mfa.enabled && <Chip variant="outlined" label={`${u.mfa.backupCodesRemaining} backup codes`} />}
          </Box>
          <Box sx={{ my: 1 }}>
            <SendPasswordReset id={String(id)} email={u.email} />
          </Box>
          {u.memberships.map((m) => (
            <Typography key={m.accountId} variant="body2">
              {m.name}: {m.role}
              {m.require2fa ? ' (2FA required)' : ''}
            </Typography>
          ))}
        </CardContent>
      </Card>
      <Card>
        <CardContent sx={{ overflowX: 'auto' }}>
          <Typography variant="h6" component="h2">
            Sessions
          </Typography>
          {u.sessions.length === 0 && <Typography color="text.secondary">No active session.</Typography>}
          <Typography variant="body2" data-testid="staff-api-keys">
            API keys: {u.apiKeys.active} active ({u.apiKeys.total} on record)
          </Typography>
          <Table size="small">
            <TableBody>
              {u.sessions.map((s) => (
                <TableRow key={String(s.id)}>
                  <TableCell>{[s.browser, s.os].filter(Boolean).join(' on ')}</TableCell>
                  <TableCell>{s.ip}</TableCell>
                  <TableCell>{new Date(String(s.lastActiveAt)).toLocaleString()}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </CardContent>
      </Card>
      <Card>
        <CardContent sx={{ overflowX: 'auto' }}>
          <Typography variant="h6" component="h2">
            Login activity
          </Typography>
          <Table size="small">
            <TableBody>
              {u.recentLogins.map((a) => (
                <TableRow key={String(a.id)}>
                  <TableCell>{new Date(String(a.occurredAt)).toLocaleString()}</TableCell>
                  <TableCell>{a.outcome}</TableCell>
                  <TableCell>{a.ip}</TableCell>
                  <TableCell>{a.location}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </CardContent>
      </Card>
    </Box>
  );
}
