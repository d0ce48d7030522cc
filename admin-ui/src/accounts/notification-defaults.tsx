import {
  Alert,
  Box,
  Button,
  Card,
  CardContent,
  Checkbox,
  FormControlLabel,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
  Typography,
} from '@mui/material';
import { FormEvent, useEffect, useState } from 'react';
import { useNotify } from 'react-admin';

import { api } from '../api';
import { problem } from './settings';

interface Cell {
  channel: string;
  enabled: boolean;
  locked: boolean;
  catalogueDefault: boolean;
  set: boolean;
  mandatory: boolean;
}

interface EventDefaults {
  event: string;
  description: string;
  channels: Cell[];
}

const CHANNEL_NAMES: Record<string, string> = { email: 'Email', in_app: 'In-app', sms: 'SMS', discord: 'Discord' };

/** Cells the account sets: those that differ from the catalogue or that members may not change. */
function changedCells(items: EventDefaults[]) {
  return items.flatMap((e) =>
    e.channels
      .filter((c) => !c.mandatory && (c.enabled !== c.catalogueDefault || c.locked))
      .map((c) => ({ event: e.event, channel: c.channel, enabled: c.enabled, locked: c.locked })),
  );
}

/**
 * The members' notification defaults, per event and channel: the default, and whether members may
 * change it. Owners edit; admins read (the API refuses their changes anyway).
 */
export function NotificationDefaultsCard({ accountId, canEdit }: { accountId: string; canEdit: boolean }) {
  const notify = useNotify();
  const [items, setItems] = useState<EventDefaults[]>();
  const [error, setError] = useState<string>();
  const [dirty, setDirty] = useState(false);

  useEffect(() => {
    api<{ items: EventDefaults[] }>(`/accounts/${accountId}/notification-defaults`)
      .then((r) => setItems(r.items))
      .catch((err: unknown) => setError(problem(err)));
  }, [accountId]);

  const update = (event: string, channel: string, patch: Partial<Cell>) => {
    setItems((all) =>
      all?.map((e) =>
        e.event === event ? { ...e, channels: e.channels.map((c) => (c.channel === channel ? { ...c, ...patch } : c)) } : e,
      ),
    );
    setDirty(true);
  };

  const save = async () => {
    try {
      const res = await api<{ items: EventDefaults[] }>(`/accounts/${accountId}/notification-defaults`, {
        method: 'PUT',
        body: { items: changedCells(items ?? []) },
      });
      setItems(res.items);
      setDirty(false);
      setError(undefined);
      notify('Notification defaults saved', { type: 'success' });
    } catch (err) {
      setError(problem(err));
    }
  };

  const channels = [...new Set((items ?? []).flatMap((e) => e.channels.map((c) => c.channel)))];
  return (
    <Card sx={{ mt: 2, maxWidth: 1000 }} data-testid="notification-defaults">
      <CardContent>
        <Typography variant="h6" component="h2">
          Notification defaults for members
        </Typography>
        <Typography variant="body2" color="text.secondary" gutterBottom>
          What members receive until they choose otherwise. Untick “members may change” to lock a channel: members then see it disabled, and
          their own choice no longer applies. Security emails always go out.
          {!canEdit && ' Only owners can change these.'}
        </Typography>
        {error && (
          <Alert severity="error" sx={{ my: 1 }}>
            {error}
          </Alert>
        )}
        {items && (
          <Box sx={{ overflowX: 'auto', maxWidth: '100%' }}>
            <Table size="small" aria-label="Notification defaults">
              <TableHead>
                <TableRow>
                  <TableCell>Event</TableCell>
                  {channels.map((c) => (
                    <TableCell key={c}>{CHANNEL_NAMES[c] ?? c}</TableCell>
                  ))}
                </TableRow>
              </TableHead>
              <TableBody>
                {items.map((e) => (
                  <TableRow key={e.event}>
                    <TableCell>{e.description}</TableCell>
                    {channels.map((channel) => {
                      const cell = e.channels.find((x) => x.channel === channel);
                      if (!cell) {
                        return <TableCell key={channel} />;
                      }
                      const name = `${e.event} by ${channel}`;
                      return (
                        <TableCell key={channel}>
                          <Box sx={{ display: 'flex', flexDirection: 'column', alignItems: 'flex-start' }}>
                            <FormControlLabel
                              sx={{ ml: 0, mr: 0 }}
                              label={<Typography variant="caption">{cell.mandatory ? 'always' : 'on'}</Typography>}
                              control={
                                <Checkbox
                                  size="small"
                                  checked={cell.enabled}
                                  disabled={!canEdit || cell.mandatory}
                                  title={cell.mandatory ? 'Always sent: security and account emails cannot be turned off' : 'On by default'}
                                  slotProps={{ input: { 'aria-label': `${name}: on by default` } }}
                                  onChange={(ev) => update(e.event, channel, { enabled: ev.target.checked })}
                                />
                              }
                            />
                            {!cell.mandatory && (
                              <FormControlLabel
                                sx={{ ml: 0, mr: 0 }}
                                label={<Typography variant="caption">members may change</Typography>}
                                control={
                                  <Checkbox
                                    size="small"
                                    checked={!cell.locked}
                                    disabled={!canEdit}
                                    slotProps={{ input: { 'aria-label': `${name}: members may change` } }}
                                    onChange={(ev) => update(e.event, channel, { locked: !ev.target.checked })}
                                  />
                                }
                              />
                            )}
                          </Box>
                        </TableCell>
                      );
                    })}
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </Box>
        )}
        {canEdit && (
          <Button variant="contained" sx={{ mt: 2 }} disabled={!dirty} onClick={() => void save()}>
            Save notification defaults
          </Button>
        )}
      </CardContent>
    </Card>
  );
}

/** The account's Discord webhook for account alerts (members joining, roles, 2FA policy); shown by its id only. */
export function AccountDiscordCard({ accountId, canEdit }: { accountId: string; canEdit: boolean }) {
  const notify = useNotify();
  const [discord, setDiscord] = useState<{ hint: string; createdAt: string } | null>();
  const [url, setUrl] = useState('');
  const [error, setError] = useState<string>();

  const load = () =>
    api<{ discord: { hint: string; createdAt: string } | null }>(`/accounts/${accountId}/notification-channels`)
      .then((r) => setDiscord(r.discord))
      .catch((err: unknown) => setError(problem(err)));
  useEffect(() => {
    void load();
  }, [accountId]);

  const run = async (action: () => Promise<unknown>, done: string) => {
    try {
      await action();
      setError(undefined);
      notify(done, { type: 'success' });
      await load();
    } catch (err) {
      setError(problem(err));
    }
  };
  const link = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      await api(`/accounts/${accountId}/notification-channels/discord`, { method: 'PUT', body: { url: url.trim() } });
      setUrl('');
    }, 'Account alerts now go to Discord');
  };

  return (
    <Card sx={{ mt: 2, maxWidth: 720 }} data-testid="account-discord">
      <CardContent>
        <Typography variant="h6" component="h2">
          Account alerts in Discord
        </Typography>
        <Typography variant="body2" color="text.secondary" gutterBottom>
          A Discord channel hears when someone joins, a role changes, a member is removed, ownership moves or 2FA becomes required.
        </Typography>
        {error && (
          <Alert severity="error" sx={{ my: 1 }}>
            {error}
          </Alert>
        )}
        {discord && (
          <Box sx={{ display: 'flex', alignItems: 'center', gap: 2, flexWrap: 'wrap' }} data-testid="account-discord-linked">
            <Typography>
              Sending to {discord.hint} (since {new Date(discord.createdAt).toLocaleDateString()}).
            </Typography>
            {canEdit && (
              <>
                <Button
                  onClick={() =>
                    void run(
                      () => api(`/accounts/${accountId}/notification-channels/discord/test`, { method: 'POST' }),
                      'Test message sent',
                    )
                  }
                >
                  Send a test message
                </Button>
                <Button
                  color="error"
                  onClick={() =>
                    void run(() => api(`/accounts/${accountId}/notification-channels/discord`, { method: 'DELETE' }), 'Discord removed')
                  }
                >
                  Remove
                </Button>
              </>
            )}
          </Box>
        )}
        {discord === null && !canEdit && <Typography color="text.secondary">No Discord channel.</Typography>}
        {discord === null && canEdit && (
          <Box component="form" onSubmit={link}>
            <TextField
              label="Discord webhook URL for account alerts"
              value={url}
              onChange={(e) => setUrl(e.target.value)}
              placeholder="https://discord.com/api/webhooks/…"
              fullWidth
              margin="dense"
              required
            />
            <Button type="submit" variant="contained" sx={{ mt: 1 }}>
              Send account alerts to Discord
            </Button>
          </Box>
        )}
      </CardContent>
    </Card>
  );
}
