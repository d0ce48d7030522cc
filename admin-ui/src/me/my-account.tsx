import { Box, Tab, Tabs } from '@mui/material';
import { Title } from 'react-admin';
import { useNavigate, useParams } from 'react-router-dom';

import { ApiKeysTab } from './api-keys';
import { ConnectedAccountsTab } from './connected-accounts';
import { DataExport } from './data-export';
import { ChangeEmail } from './email-password';
import { InboxTab } from './inbox';
import { NotificationsTab } from './notifications';
import { ConsentSection } from './consent';
import { DeleteAccount } from './privacy';
import { Profile, ProfileSection } from './profile';
import { SecurityTab } from './security';
import { Loading, useLoad } from './common';

/** Each tab has its own address (#/me/security, #/me/notifications, ...) so mails and the bell can link to it. */
export const ME_TABS = ['profile', 'security', 'connected-accounts', 'api-keys', 'notifications', 'inbox', 'privacy'] as const;
const LABELS: Record<(typeof ME_TABS)[number], string> = {
  profile: 'Profile',
  security: 'Security',
  'connected-accounts': 'Connected accounts',
  'api-keys': 'API keys',
  notifications: 'Notifications',
  inbox: 'Inbox',
  privacy: 'Privacy',
};

function ProfileTab() {
  const { data: me, error } = useLoad<Profile>('/me');
  return (
    <>
      <ProfileSection />
      {me ? <ChangeEmail currentEmail={me.email} /> : <Loading error={error} />}
    </>
  );
}

export function MyAccount() {
  const { tab: param } = useParams();
  const navigate = useNavigate();
  const tab = ME_TABS.find((t) => t === param) ?? 'profile';
  return (
    <Box sx={{ mt: 2, maxWidth: 960, minWidth: 0, width: '100%' }}>
      <Title title="My account" />
      <Tabs value={tab} onChange={(_, v: string) => navigate(`/me/${v}`)} variant="scrollable" allowScrollButtonsMobile sx={{ mb: 2 }}>
        {ME_TABS.map((t) => (
          <Tab key={t} value={t} label={LABELS[t]} />
        ))}
      </Tabs>
      {tab === 'profile' && <ProfileTab />}
      {tab === 'security' && <SecurityTab />}
      {tab === 'connected-accounts' && <ConnectedAccountsTab />}
      {tab === 'api-keys' && <ApiKeysTab />}
      {tab === 'notifications' && <NotificationsTab />}
      {tab === 'inbox' && <InboxTab />}
      {tab === 'privacy' && <DataExport />}
      {tab === 'privacy' && <ConsentSection />}
      {tab === 'privacy' && <DeleteAccount />}
    </Box>
  );
}
