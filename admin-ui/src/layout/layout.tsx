import { MenuItem, Select } from '@mui/material';
import { ReactNode, useEffect, useState } from 'react';
import { AppBar, Layout, Menu, TitlePortal, useCanAccess, useGetIdentity, useTheme } from 'react-admin';

import { Membership, currentMembership, memberships, switchAccount } from '../account';
import { DeletionBanner } from '../me/deletion-banner';
import { CompactFromPreferences, Density } from './density';
import { InboxBell } from './inbox-bell';

function AccountSwitcher() {
  const [all, setAll] = useState<Membership[]>([]);
  const [current, setCurrent] = useState<string>('');
  useEffect(() => {
    void Promise.all([memberships(), currentMembership()])
      .then(([a, c]) => {
        setAll(a);
        setCurrent(c?.accountId ?? '');
      })
      .catch(() => undefined);
  }, []);
  if (all.length < 2) {
    return null;
  }
  return (
    <Select
      size="small"
      value={current}
      inputProps={{ 'aria-label': 'Account' }}
      sx={{ color: 'inherit', mr: 1, maxWidth: { xs: 120, sm: 240 }, '.MuiOutlinedInput-notchedOutline': { borderColor: 'rgba(255,255,255,0.5)' } }}
      onChange={(e) => {
        switchAccount(e.target.value);
        window.location.hash = '#/';
        window.location.reload();
      }}
    >
      {all.map((m) => (
        <MenuItem key={m.accountId} value={m.accountId}>
          {m.name} ({m.role})
        </MenuItem>
      ))}
    </Select>
  );
}

function ConsoleAppBar() {
  return (
    <AppBar>
      <TitlePortal />
      <AccountSwitcher />
      <InboxBell />
    </AppBar>
  );
}

function ConsoleMenu() {
  const { canAccess: manager } = useCanAccess({ resource: 'settings', action: 'edit' });
  const { canAccess: support } = useCanAccess({ resource: 'support', action: 'list' });
  const { canAccess: owner } = useCanAccess({ resource: 'webhooks', action: 'edit' });
  return (
    <Menu>
      <Menu.DashboardItem />
      <Menu.Item to="/members" primaryText={manager ? 'Members' : 'Team'} />
      {manager && <Menu.Item to="/invitations" primaryText="Invitations" />}
      {manager && <Menu.Item to="/audit-log" primaryText="Audit log" />}
      {manager && <Menu.Item to="/settings" primaryText="Account settings" />}
      {owner && <Menu.Item to="/webhooks" primaryText="Webhooks" />}
      {owner && <Menu.Item to="/api-keys" primaryText="API keys" />}
      {support && <Menu.Item to="/tickets" primaryText="Support queue" />}
      {support && <Menu.Item to="/staff-users" primaryText="User lookup" />}
      <Menu.Item to="/me" primaryText="My account" />
    </Menu>
  );
}

/** Applies the signed-in user's theme preference once it is known. */
function ThemeFromPreferences() {
  const { data } = useGetIdentity();
  const [, setTheme] = useTheme();
  const pref = (data?.preferences as { theme?: string } | undefined)?.theme;
  useEffect(() => {
    if (pref === 'dark' || pref === 'light') {
      setTheme(pref);
    }
  }, [pref, setTheme]);
  return null;
}

export function ConsoleLayout({ children }: { children: ReactNode }) {
  return (
    <Density>
      <Layout
        appBar={ConsoleAppBar}
        menu={ConsoleMenu}
        // On a phone the content keeps the screen's width; wide tables scroll inside it.
        sx={{ minWidth: 0, '& .RaLayout-content, & .RaList-main': { minWidth: 0 }, '& .RaDatagrid-tableWrapper': { overflowX: 'auto' } }}
      >
        <ThemeFromPreferences />
        <CompactFromPreferences />
        <DeletionBanner />
        {children}
      </Layout>
    </Density>
  );
}
