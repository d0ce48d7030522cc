import { Alert, Box, Button, Checkbox, Table, TableBody, TableCell, TableHead, TableRow, TextField, Typography } from '@mui/material';
import { FormEvent, useEffect, useState } from 'react';
import { useNotify } from 'react-admin';

import { memberships } from '../account';
import { problem } from '../accounts/settings';
import { api } from '../api';
import { ConfirmButton, Loading, Section, useLoad } from './common';

interface EventPrefs {
  event: string;
  description: string;
  channels: Array<{ channel: string; enabled: boolean; locked: boolean; lockedBy?: 'mandatory' | 'account'; accountId?: string }>;
}

const CHANNEL_NAMES: Record<string, string> = { email: 'Email', in_app: 'In-app', sms: 'SMS', discord: 'Discord' };

function Preferences() {
  const notify = useNotify();
  const { data, error, reload } = useLoad<{ items: EventPrefs[] }>('/me/notification-preferences');
  const [accountNames, setAccountNames] = useState<Record<string, string>>({});
  useEffect(() => {
    memberships()
      .then((all) => setAccountNames(Object.fromEntries(all.map((m) => [m.accountId, m.name]))))
      .catch(() => undefined);
  }, []);
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
    <Section title="Notification preferences" id="notification-preferences">
      <Typography variant="body2" color="text.secondary" gutterBottom>
        Changes apply to the next event. Security and account emails cannot be turned off, and an account's owners may lock a channel for
        their members.
      </Typography>
      <Box sx={{ overflowX: 'auto' }}>
        <Table size="small">
          <TableHead>
            <TableRow>
              <TableCell>Event</TableCell>
              {channels.map((c) => (
                <TableCell key={c}>{CHANNEL_NAMES[c] ?? c}</TableCell>
              ))}
            </TableRow>
          </TableHead>
          <TableBody>
            {data.items.map((e) => (
              <TableRow key={e.event}>
                <TableCell>{e.description}</TableCell>
                {channels.map((c) => {
                  const pref = e.channels.find((x) => x.channel === c);
                  const reason =
                    pref?.lockedBy === 'account'
                      ? `Locked by ${(pref.accountId && accountNames[pref.accountId]) || 'your account'}`
                      : pref?.lockedBy === 'mandatory'
                        ? 'Always sent: security and account emails'
                        : undefined;
                  return (
                    <TableCell key={c}>
                      {pref && (
                        <Checkbox
                          checked={pref.enabled}
                          disabled={pref.locked}
                          title={reason}
                          slotProps={{ input: { 'aria-label': `${e.event} by ${c}`, title: reason } }}
                          onChange={(ev) => void toggle(e.event, c, ev.target.checked)}
                        />
                      )}
                      {pref?.lockedBy === 'account' && (
                        <Typography variant="caption" color="text.secondary" component="div" data-testid={`lock-${e.event}-${c}`}>
                          {reason}
                        </Typography>
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

/** A Discord channel webhook; after linking only its id is ever shown again (the URL is a secret). */
function Discord() {
  const notify = useNotify();
  const { data, error, reload } = useLoad<{ discord: { hint: string; createdAt: string } | null }>('/me/notification-channels');
  const [url, setUrl] = useState('');
  const [fieldError, setFieldError] = useState<string>();
  if (!data) {
    return <Loading error={error} />;
  }
  const link = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await api('/me/notification-channels/discord', { method: 'PUT', body: { url: url.trim() } });
      setUrl('');
      setFieldError(undefined);
      notify('Discord linked', { type: 'success' });
      reload();
    } catch (err) {
      setFieldError(problem(err));
    }
  };
  return (
    <Section title="Discord" id="discord">
      {data.discord ? (
        <Box sx={{ display: 'flex', alignItems: 'center', gap: 2, flexWrap: 'wrap' }} data-testid="discord-linked">
          <Typography>
            Linked: {data.discord.hint} (since {new Date(data.discord.createdAt).toLocaleDateString()}). Turn Discord on per event above.
          </Typography>
          <ConfirmButton
            label="Unlink Discord"
            title="Unlink Discord?"
            body="Notifications stop going to that channel."
            onConfirm={async () => {
              try {
                await api('/me/notification-channels/discord', { method: 'DELETE' });
                notify('Discord unlinked', { type: 'info' });
              } catch (err) {
                notify(problem(err), { type: 'error' });
              }
              reload();
            }}
          />
        </Box>
      ) : (
        <Box component="form" onSubmit={link} sx={{ maxWidth: 560 }}>
          <Typography variant="body2" color="text.secondary">
            In Discord: channel settings → Integrations → Webhooks → New Webhook → Copy Webhook URL, then paste it here.
          </Typography>
          {fieldError && (
            <Alert severity="error" sx={{ my: 1 }}>
              {fieldError}
            </Alert>
          )}
          <TextField
            label="Discord webhook URL"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            placeholder="https://discord.com/api/webhooks/…"
            fullWidth
            margin="dense"
            required
          />
          <Button type="submit" variant="contained" sx={{ mt: 1 }}>
            Link Discord
          </Button>
        </Box>
      )}
    </Section>
  );
}

export function NotificationsTab() {
  return (
    <>
      <Preferences />
      <Discord />
    </>
  );
}
