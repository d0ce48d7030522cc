import { Alert, Box, Card, CardContent, CircularProgress, Grid, List, ListItem, ListItemText, Typography } from '@mui/material';
import { useEffect, useState } from 'react';
import { Link, useCanAccess, useGetIdentity } from 'react-admin';

import { Membership, currentMembership } from '../account';
import { api } from '../api';
import { AuditEntryLike, describeAuditEntry } from './audit-words';
import { problem } from './settings';

interface Member {
  mfa?: { enabled: boolean; totp: boolean; sms: boolean; passkeys: number };
}

interface Adoption {
  total: number;
  enabled: number;
  totp: number;
  sms: number;
  passkey: number;
}

function AdoptionChart({ a }: { a: Adoption }) {
  const bars = [
    { label: '2FA on', value: a.enabled, color: '#2e7d32' },
    { label: 'No 2FA', value: a.total - a.enabled, color: '#ed6c02' },
    { label: 'Authenticator', value: a.totp, color: '#1976d2' },
    { label: 'SMS', value: a.sms, color: '#9c27b0' },
    { label: 'Passkey', value: a.passkey, color: '#00838f' },
  ];
  const pct = a.total ? Math.round((a.enabled / a.total) * 100) : 0;
  return (
    <Box role="img" aria-label={`${pct}% of members use 2FA`} data-testid="adoption-chart">
      <Typography variant="h3" component="p">
        {pct}%
      </Typography>
      <Typography variant="body2" color="text.secondary" gutterBottom>
        of {a.total} members use two-factor authentication
      </Typography>
      {bars.map((b) => (
        <Box key={b.label} sx={{ display: 'flex', alignItems: 'center', gap: 1, my: 0.5 }}>
          <Typography variant="body2" sx={{ width: 110 }}>
            {b.label}
          </Typography>
          <Box sx={{ flex: 1, bgcolor: 'action.hover', height: 16, borderRadius: 1 }}>
            <Box sx={{ width: `${a.total ? (b.value / a.total) * 100 : 0}%`, bgcolor: b.color, height: 16, borderRadius: 1 }} />
          </Box>
          <Typography variant="body2" sx={{ width: 32, textAlign: 'right' }}>
            {b.value}
          </Typography>
        </Box>
      ))}
    </Box>
  );
}

function ManagerPanels({ account }: { account: Membership }) {
  const [adoption, setAdoption] = useState<Adoption>();
  const [events, setEvents] = useState<Array<AuditEntryLike & { id: string; occurredAt: string }>>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    const base = `/accounts/${account.accountId}`;
    api<Member[]>(`${base}/members?range=${encodeURIComponent('[0,999]')}`)
      .then((ms) =>
        setAdoption({
          total: ms.length,
          enabled: ms.filter((m) => m.mfa?.enabled).length,
          totp: ms.filter((m) => m.mfa?.totp).length,
          sms: ms.filter((m) => m.mfa?.sms).length,
          passkey: ms.filter((m) => (m.mfa?.passkeys ?? 0) > 0).length,
        }),
      )
      .catch((err) => setError(problem(err)));
    api<{ items: Array<AuditEntryLike & { id: string; occurredAt: string }> }>(`${base}/audit-log?limit=8`)
      .then((r) => setEvents(r.items))
      .catch((err) => setError(problem(err)));
  }, [account.accountId]);
  return (
    <>
      {error && <Alert severity="error">{error}</Alert>}
      <Grid container spacing={2}>
        <Grid size={{ xs: 12, md: 6 }}>
          <Card>
            <CardContent>
              <Typography variant="h6" component="h2">
                2FA adoption
              </Typography>
              {adoption ? <AdoptionChart a={adoption} /> : <CircularProgress aria-label="Loading" />}
            </CardContent>
          </Card>
        </Grid>
        <Grid size={{ xs: 12, md: 6 }}>
          <Card>
            <CardContent>
              <Typography variant="h6" component="h2">
                Recent security events
              </Typography>
              {!events ? (
                <CircularProgress aria-label="Loading" />
              ) : events.length === 0 ? (
                <Typography color="text.secondary">Nothing yet.</Typography>
              ) : (
                <List dense>
                  {events.map((e) => (
                    <ListItem key={e.id} disableGutters>
                      <ListItemText primary={describeAuditEntry(e)} secondary={new Date(e.occurredAt).toLocaleString()} data-testid="dashboard-event" />
                    </ListItem>
                  ))}
                </List>
              )}
              <Link to="/audit-log">Open the audit log</Link>
            </CardContent>
          </Card>
        </Grid>
      </Grid>
    </>
  );
}

export function Dashboard() {
  const { data } = useGetIdentity();
  const { canAccess: manager } = useCanAccess({ resource: 'adoption', action: 'list' });
  const [account, setAccount] = useState<Membership | null>();
  useEffect(() => {
    currentMembership()
      .then((m) => setAccount(m ?? null))
      .catch(() => setAccount(null));
  }, []);
  return (
    <Box sx={{ mt: 2, display: 'flex', flexDirection: 'column', gap: 2 }}>
      <Typography variant="h5" component="h1">
        Welcome{data?.fullName ? `, ${data.fullName}` : ''}
      </Typography>
      {account === null && <Alert severity="info">You do not belong to an account yet. Your own security settings are under My account.</Alert>}
      {account && (
        <Typography color="text.secondary">
          {account.name}: you are {account.role}
          {account.require2fa ? ' · 2FA required' : ''}
        </Typography>
      )}
      {account && manager && <ManagerPanels account={account} />}
      {account && !manager && <Link to="/members">See your team</Link>}
    </Box>
  );
}
