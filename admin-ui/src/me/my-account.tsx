import {
  Alert,
  Box,
  Button,
  Card,
  CardContent,
  Checkbox,
  Chip,
  CircularProgress,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  MenuItem,
  Tab,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Tabs,
  TextField,
  Typography,
} from '@mui/material';
import { ReactNode, useCallback, useEffect, useState } from 'react';
import { Title, useNotify, useTheme } from 'react-admin';
import { useParams } from 'react-router-dom';

import { problem } from '../accounts/settings';
import { api } from '../api';
import { Me } from '../authProvider';
import { ProofDialog, RemoveFactor, SmsSetup } from './sms-setup';
import { BackupCodes, TotpSetup } from './totp-setup';

function useLoad<T>(path: string): { data?: T; error?: string; reload: () => void } {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const reload = useCallback(() => {
    api<T>(path)
      .then((d) => {
        setData(d);
        setError(undefined);
      })
      .catch((err) => setError(problem(err)));
  }, [path]);
  useEffect(reload, [reload]);
  return { data, error, reload };
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Card sx={{ mb: 2 }}>
      <CardContent>
        <Typography variant="h6" component="h2" gutterBottom>
          {title}
        </Typography>
        {children}
      </CardContent>
    </Card>
  );
}

function Loading({ error }: { error?: string }) {
  return error ? <Alert severity="error">{error}</Alert> : <CircularProgress size={24} aria-label="Loading" />;
}

function ConfirmButton({
  label,
  title,
  body,
  onConfirm,
  color = 'error',
}: {
  label: string;
  title: string;
  body: string;
  onConfirm: () => Promise<void>;
  color?: 'error' | 'primary';
}) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button size="small" color={color} onClick={() => setOpen(true)}>
        {label}
      </Button>
      <Dialog open={open} onClose={() => setOpen(false)}>
        <DialogTitle>{title}</DialogTitle>
        <DialogContent>{body}</DialogContent>
        <DialogActions>
          <Button onClick={() => setOpen(false)}>Cancel</Button>
          <Button
            color={color}
            variant="contained"
            onClick={() => {
              setOpen(false);
              void onConfirm();
            }}
          >
            Confirm
          </Button>
        </DialogActions>
      </Dialog>
    </>
  );
}

function Profile() {
  const notify = useNotify();
  const [, setTheme] = useTheme();
  const { data: me, error } = useLoad<
    Me & { phone: string | null; timezone: string; language: string; company: string | null; bio: string | null }
  >('/me');
  const [form, setForm] = useState<Record<string, string>>({});
  useEffect(() => {
    if (me) {
      setForm({
        displayName: me.displayName,
        timezone: me.timezone,
        language: me.language,
        company: me.company ?? '',
        bio: me.bio ?? '',
        theme: me.preferences.theme ?? 'light',
        dateFormat: me.preferences.dateFormat ?? 'YYYY-MM-DD',
        timeFormat: me.preferences.timeFormat ?? '24h',
      });
    }
  }, [me]);
  if (!me) {
    return <Loading error={error} />;
  }
  const set = (k: string) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));
  const save = async () => {
    try {
      await api('/me', {
        method: 'PATCH',
        body: {
          displayName: form.displayName,
          timezone: form.timezone,
          language: form.language,
          company: form.company || null,
          bio: form.bio || null,
          preferences: { theme: form.theme, dateFormat: form.dateFormat, timeFormat: form.timeFormat },
        },
      });
      notify('Profile saved', { type: 'success' });
    } catch (err) {
      notify(problem(err), { type: 'error' });
    }
  };
  return (
    <Section title="Profile and preferences">
      <Typography variant="body2" color="text.secondary">
        {me.email}
      </Typography>
      <TextField label="Display name" value={form.displayName ?? ''} onChange={set('displayName')} fullWidth margin="dense" />
      <TextField label="Company" value={form.company ?? ''} onChange={set('company')} fullWidth margin="dense" />
      <TextField label="Bio" value={form.bio ?? ''} onChange={set('bio')} fullWidth margin="dense" multiline />
      <Box sx={{ display: 'flex', gap: 2, flexWrap: 'wrap' }}>
        <TextField label="Time zone" value={form.timezone ?? ''} onChange={set('timezone')} margin="dense" />
        <TextField label="Language" value={form.language ?? ''} onChange={set('language')} margin="dense" />
        <TextField
          select
          label="Theme"
          value={form.theme ?? 'light'}
          onChange={(e) => {
            set('theme')(e);
            setTheme(e.target.value === 'dark' ? 'dark' : 'light');
          }}
          margin="dense"
          sx={{ minWidth: 140 }}
        >
          <MenuItem value="light">Light</MenuItem>
          <MenuItem value="dark">Dark</MenuItem>
          <MenuItem value="system">System</MenuItem>
        </TextField>
        <TextField
          select
          label="Date format"
          value={form.dateFormat ?? ''}
          onChange={set('dateFormat')}
          margin="dense"
          sx={{ minWidth: 160 }}
        >
          {['YYYY-MM-DD', 'DD/MM/YYYY', 'MM/DD/YYYY', 'DD.MM.YYYY'].map((f) => (
            <MenuItem key={f} value={f}>
              {f}
            </MenuItem>
          ))}
        </TextField>
        <TextField
          select
          label="Time format"
          value={form.timeFormat ?? ''}
          onChange={set('timeFormat')}
          margin="dense"
          sx={{ minWidth: 120 }}
        >
          <MenuItem value="24h">24 h</MenuItem>
          <MenuItem value="12h">12 h</MenuItem>
        </TextField>
      </Box>
      <Button variant="contained" sx={{ mt: 2 }} onClick={() => void save()}>
        Save profile
      </Button>
    </Section>
  );
}

interface MfaStatus {
  enabled: boolean;
  totp: boolean;
  sms: string | null;
  backupCodesRemaining: number;
  requiredBy: string[];
}

function Regenerate({ onCodes }: { onCodes: (c: string[]) => void }) {
  return (
    <ProofDialog
      buttonLabel="Regenerate backup codes"
      title="New backup codes"
      body="Your old codes stop working. Confirm with your password and a current code."
      confirmLabel="Regenerate"
      onSubmit={async (proof) => {
        const res = await api<{ backupCodes: string[] }>('/me/mfa/backup-codes/regenerate', { method: 'POST', body: proof });
        onCodes(res.backupCodes);
      }}
    />
  );
}

type Row = { id: string; ip: string | null; browser: string | null; os: string | null; location: string | null } & Record<string, unknown>;

function Security() {
  const notify = useNotify();
  const mfa = useLoad<MfaStatus>('/me/mfa');
  const devices = useLoad<Row[]>('/me/trusted-devices');
  const sessions = useLoad<{ items: Row[] }>('/me/sessions');
  const activity = useLoad<{ items: Row[] }>('/me/login-activity?limit=20');
  const [codes, setCodes] = useState<string[]>();
  const act = (path: string, method: string, done: string, reload: () => void) => async () => {
    try {
      await api(path, { method, body: method === 'POST' ? {} : undefined });
      notify(done, { type: 'success' });
      reload();
    } catch (err) {
      notify(problem(err), { type: 'error' });
    }
  };
  const who = (r: Row) => [r.browser, r.os].filter(Boolean).join(' on ') || 'Unknown device';
  return (
    <>
      <Section title="Two-factor authentication">
        {!mfa.data ? (
          <Loading error={mfa.error} />
        ) : (
          <>
            <Box sx={{ display: 'flex', gap: 1, mb: 2, flexWrap: 'wrap' }} data-testid="mfa-status">
              <Chip color={mfa.data.enabled ? 'success' : 'warning'} label={mfa.data.enabled ? '2FA is on' : '2FA is off'} />
              {mfa.data.totp && <Chip label="Authenticator app" />}
              {mfa.data.sms && <Chip label={`SMS ${mfa.data.sms}`} />}
              {mfa.data.enabled && <Chip variant="outlined" label={`${mfa.data.backupCodesRemaining} backup codes left`} />}
            </Box>
            {mfa.data.requiredBy.length > 0 && !mfa.data.enabled && (
              <Alert severity="warning">Required by {mfa.data.requiredBy.join(', ')}.</Alert>
            )}
            {!mfa.data.totp && <TotpSetup onDone={mfa.reload} />}
            {!mfa.data.sms && <SmsSetup onDone={mfa.reload} />}
            <Box sx={{ display: 'flex', gap: 1, flexWrap: 'wrap', mt: 1 }}>
              {mfa.data.totp && <RemoveFactor label="authenticator app" path="/me/mfa/totp" onDone={mfa.reload} />}
              {mfa.data.sms && <RemoveFactor label="text messages" path="/me/mfa/sms" onDone={mfa.reload} />}
            </Box>
            {mfa.data.enabled && <Regenerate onCodes={setCodes} />}
            {codes && <BackupCodes codes={codes} />}
          </>
        )}
      </Section>
      <Section title="Trusted devices">
        {!devices.data ? (
          <Loading error={devices.error} />
        ) : devices.data.length === 0 ? (
          <Typography color="text.secondary">No trusted devices.</Typography>
        ) : (
          <Table size="small">
            <TableBody>
              {devices.data.map((d) => (
                <TableRow key={d.id}>
                  <TableCell>{who(d)}</TableCell>
                  <TableCell>{d.ip}</TableCell>
                  <TableCell>until {new Date(String(d.expiresAt)).toLocaleDateString()}</TableCell>
                  <TableCell align="right">
                    <ConfirmButton
                      label="Forget"
                      title="Stop trusting this device?"
                      body="It will be asked for a code at the next sign-in."
                      onConfirm={act(`/me/trusted-devices/${d.id}`, 'DELETE', 'Device forgotten', devices.reload)}
                    />
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </Section>
      <Section title="Active sessions">
        {!sessions.data ? (
          <Loading error={sessions.error} />
        ) : (
          <>
            <Table size="small">
              <TableBody>
                {sessions.data.items.map((s) => (
                  <TableRow key={s.id}>
                    <TableCell>
                      {who(s)} {s.current ? <Chip size="small" color="primary" label="This session" /> : null}
                    </TableCell>
                    <TableCell>{s.ip}</TableCell>
                    <TableCell>{s.location}</TableCell>
                    <TableCell>{new Date(String(s.lastActiveAt)).toLocaleString()}</TableCell>
                    <TableCell align="right">
                      {!s.current && (
                        <ConfirmButton
                          label="Sign out"
                          title="Sign out this session?"
                          body="That device will have to sign in again."
                          onConfirm={act(`/me/sessions/${s.id}`, 'DELETE', 'Session ended', sessions.reload)}
                        />
                      )}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
            <ConfirmButton
              label="Sign out everywhere else"
              title="Sign out every other session?"
              body="Every other device will have to sign in again."
              onConfirm={act('/me/sessions/revoke-others', 'POST', 'Other sessions ended', sessions.reload)}
            />
          </>
        )}
      </Section>
      <Section title="Login activity">
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
                    <TableCell>{new Date(String(a.occurredAt)).toLocaleString()}</TableCell>
                    <TableCell>{String(a.outcome)}</TableCell>
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
    </>
  );
}

interface EventPrefs {
  event: string;
  description: string;
  channels: Array<{ channel: string; enabled: boolean; locked: boolean }>;
}

function Notifications() {
  const notify = useNotify();
  const { data, error, reload } = useLoad<{ items: EventPrefs[] }>('/me/notification-preferences');
  if (!data) {
    return <Loading error={error} />;
  }
  const channels = [...new Set(data.items.flatMap((e) => e.channels.map((c) => c.channel)))];
  const toggle = async (event: string, channel: string, enabled: boolean) => {
    try {
      await api('/me/notification-preferences', { method: 'PUT', body: { items: [{ event, channel, enabled }] } });
      reload();
    } catch (err) {
      notify(problem(err), { type: 'error' });
    }
  };
  return (
    <Section title="Notification preferences">
      <Box sx={{ overflowX: 'auto' }}>
        <Table size="small">
          <TableHead>
            <TableRow>
              <TableCell>Event</TableCell>
              {channels.map((c) => (
                <TableCell key={c}>{c}</TableCell>
              ))}
            </TableRow>
          </TableHead>
          <TableBody>
            {data.items.map((e) => (
              <TableRow key={e.event}>
                <TableCell>{e.description}</TableCell>
                {channels.map((c) => {
                  const pref = e.channels.find((x) => x.channel === c);
                  return (
                    <TableCell key={c}>
                      {pref && (
                        <Checkbox
                          checked={pref.enabled}
                          disabled={pref.locked}
                          slotProps={{ input: { 'aria-label': `${e.event} by ${c}` } }}
                          onChange={(ev) => void toggle(e.event, c, ev.target.checked)}
                        />
                      )}
                    </TableCell>
                  );
                })}
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Box>
    </Section>
  );
}

const TABS = ['profile', 'security', 'notifications'];

export function MyAccount() {
  const { tab: linked } = useParams();
  const [tab, setTab] = useState(Math.max(0, TABS.indexOf(linked ?? '')));
  return (
    <Box sx={{ mt: 2, maxWidth: 960 }}>
      <Title title="My account" />
      <Tabs value={tab} onChange={(_, v) => setTab(v)} variant="scrollable" sx={{ mb: 2 }}>
        <Tab label="Profile" />
        <Tab label="Security" />
        <Tab label="Notifications" />
      </Tabs>
      {tab === 0 && <Profile />}
      {tab === 1 && <Security />}
      {tab === 2 && <Notifications />}
    </Box>
  );
}
