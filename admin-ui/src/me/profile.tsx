import { Alert, Avatar, Box, Button, FormControlLabel, MenuItem, Switch, TextField, Typography } from '@mui/material';
import { ChangeEvent, useEffect, useRef, useState } from 'react';
import { useGetIdentity, useNotify, useTheme } from 'react-admin';

import { problem } from '../accounts/settings';
import { api, apiUpload } from '../api';
import { Me } from '../authProvider';
import { useCompactMode } from '../layout/density';
import { Loading, Section, useLoad } from './common';

export type Profile = Me & { phone: string | null; timezone: string; language: string; company: string | null; bio: string | null };

const AVATAR_TYPES = 'image/png,image/jpeg,image/webp';

/** Upload shows at once here and in the app bar (the identity is fetched again). */
function AvatarPicker({ me, onChanged }: { me: Profile; onChanged: () => void }) {
  const input = useRef<HTMLInputElement>(null);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const notify = useNotify();
  const upload = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (!file) {
      return;
    }
    if (file.size > 2 * 1024 * 1024) {
      setError('The image is larger than 2 MB.');
      return;
    }
    setBusy(true);
    try {
      const form = new FormData();
      form.append('file', file);
      await apiUpload('/me/avatar', form);
      setError(undefined);
      notify('Profile picture updated', { type: 'success' });
      onChanged();
    } catch (err) {
      setError(problem(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Box sx={{ display: 'flex', alignItems: 'center', gap: 2, mb: 1, flexWrap: 'wrap' }}>
      <Avatar src={me.avatarUrl ?? undefined} alt={me.displayName} sx={{ width: 64, height: 64 }} data-testid="profile-avatar">
        {me.displayName.slice(0, 1).toUpperCase()}
      </Avatar>
      <Box>
        <Button variant="outlined" size="small" onClick={() => input.current?.click()} disabled={busy}>
          {me.avatarUrl ? 'Change picture' : 'Upload a picture'}
        </Button>
        <input ref={input} type="file" accept={AVATAR_TYPES} hidden aria-label="Profile picture file" onChange={(e) => void upload(e)} />
        <Typography variant="caption" sx={{ display: 'block' }} color="text.secondary">
          PNG, JPEG or WebP, up to 2 MB.
        </Typography>
        {error && <Alert severity="error">{error}</Alert>}
      </Box>
    </Box>
  );
}

export function ProfileSection() {
  const notify = useNotify();
  const [, setTheme] = useTheme();
  const [compact, setCompact] = useCompactMode();
  const { refetch: refetchIdentity } = useGetIdentity();
  const { data: me, error, reload } = useLoad<Profile>('/me');
  const [form, setForm] = useState<Record<string, string>>({});
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  useEffect(() => {
    if (me) {
      setForm({
        displayName: me.displayName,
        phone: me.phone ?? '',
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
          phone: form.phone?.trim() || null,
          timezone: form.timezone,
          language: form.language,
          company: form.company || null,
          bio: form.bio || null,
          preferences: { theme: form.theme, dateFormat: form.dateFormat, timeFormat: form.timeFormat, compactMode: compact },
        },
      });
      setFieldErrors({});
      notify('Profile saved', { type: 'success' });
      reload();
      void refetchIdentity();
    } catch (err) {
      const errors = (err as { body?: { errors?: Array<{ field: string; message: string }> } }).body?.errors ?? [];
      setFieldErrors(Object.fromEntries(errors.map((e) => [e.field, e.message])));
      notify(problem(err), { type: 'error' });
    }
  };
  // Compact mode applies and is saved at once, like the theme choice.
  const toggleCompact = async (on: boolean) => {
    setCompact(on);
    try {
      await api('/me', { method: 'PATCH', body: { preferences: { compactMode: on } } });
    } catch (err) {
      notify(problem(err), { type: 'error' });
    }
  };
  return (
    <Section title="Profile and preferences" id="profile">
      <AvatarPicker
        me={me}
        onChanged={() => {
          reload();
          void refetchIdentity();
        }}
      />
      <Typography variant="body2" color="text.secondary">
        Signed in as {me.email}
      </Typography>
      <TextField label="Display name" value={form.displayName ?? ''} onChange={set('displayName')} fullWidth margin="dense" />
      <TextField
        label="Phone"
        value={form.phone ?? ''}
        onChange={set('phone')}
        fullWidth
        margin="dense"
        placeholder="+14155550100"
        error={Boolean(fieldErrors.phone)}
        helperText={fieldErrors.phone ?? 'International format. Used to reach you; text-message sign-in codes are set up under Security.'}
        slotProps={{ htmlInput: { inputMode: 'tel', autoComplete: 'tel' } }}
      />
      <TextField label="Company" value={form.company ?? ''} onChange={set('company')} fullWidth margin="dense" />
      <TextField label="Bio" value={form.bio ?? ''} onChange={set('bio')} fullWidth margin="dense" multiline />
      <Box sx={{ display: 'flex', gap: 2, flexWrap: 'wrap' }}>
        <TextField label="Time zone" value={form.timezone ?? ''} onChange={set('timezone')} margin="dense" error={Boolean(fieldErrors.timezone)} helperText={fieldErrors.timezone} />
        <TextField label="Language" value={form.language ?? ''} onChange={set('language')} margin="dense" error={Boolean(fieldErrors.language)} helperText={fieldErrors.language} />
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
        <TextField select label="Date format" value={form.dateFormat ?? ''} onChange={set('dateFormat')} margin="dense" sx={{ minWidth: 160 }}>
          {['YYYY-MM-DD', 'DD/MM/YYYY', 'MM/DD/YYYY', 'DD.MM.YYYY'].map((f) => (
            <MenuItem key={f} value={f}>
              {f}
            </MenuItem>
          ))}
        </TextField>
        <TextField select label="Time format" value={form.timeFormat ?? ''} onChange={set('timeFormat')} margin="dense" sx={{ minWidth: 120 }}>
          <MenuItem value="24h">24 h</MenuItem>
          <MenuItem value="12h">12 h</MenuItem>
        </TextField>
      </Box>
      <FormControlLabel
        control={<Switch checked={compact} onChange={(e) => void toggleCompact(e.target.checked)} />}
        label="Compact mode (denser layout, applies at once)"
      />
      <Box>
        <Button variant="contained" sx={{ mt: 2 }} onClick={() => void save()}>
          Save profile
        </Button>
      </Box>
    </Section>
  );
}
