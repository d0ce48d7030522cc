import { Button as MuiButton, Chip, MenuItem, Select, Stack } from '@mui/material';
import {
  CreateButton,
  Datagrid,
  DateField,
  DeleteWithConfirmButton,
  FunctionField,
  List,
  SelectInput,
  TextField,
  TextInput,
  TopToolbar,
  useCanAccess,
  useNotify,
  useRecordContext,
  useRefresh,
  useUpdate,
} from 'react-admin';
import { useEffect, useState } from 'react';

import { currentAccountId } from '../account';

export const ROLES = [
  { id: 'owner', name: 'Owner' },
  { id: 'admin', name: 'Admin' },
  { id: 'member', name: 'Member' },
  { id: 'viewer', name: 'Viewer' },
];

const MFA_CHOICES = [
  { id: 'none', name: 'No 2FA' },
  { id: 'enabled', name: '2FA on' },
  { id: 'totp', name: 'Authenticator' },
  { id: 'sms', name: 'SMS' },
];

interface Member {
  id: string;
  email: string;
  displayName: string;
  role: string;
  mfa?: { enabled: boolean; totp: boolean; sms: boolean; backupCodesRemaining: number };
}

export function MfaBadge() {
  const m = useRecordContext<Member>();
  if (!m?.mfa) {
    return null;
  }
  if (!m.mfa.enabled) {
    return <Chip size="small" color="warning" label="No 2FA" data-testid="mfa-badge" />;
  }
  const kinds = [m.mfa.totp && 'Authenticator', m.mfa.sms && 'SMS'].filter(Boolean).join(' + ');
  return <Chip size="small" color="success" label={`2FA: ${kinds}`} data-testid="mfa-badge" />;
}

function RoleBadge() {
  const m = useRecordContext<Member>();
  return m ? <Chip size="small" variant="outlined" label={m.role} data-testid="role-badge" /> : null;
}

function RoleSelect() {
  const m = useRecordContext<Member>();
  const notify = useNotify();
  const [update, { isPending }] = useUpdate();
  if (!m) {
    return null;
  }
  return (
    <Select
      size="small"
      value={m.role}
      disabled={isPending}
      inputProps={{ 'aria-label': `Role of ${m.email}` }}
      onClick={(e) => e.stopPropagation()}
      onChange={(e) =>
        update(
          'members',
          { id: m.id, data: { role: e.target.value }, previousData: m },
          {
            mutationMode: 'pessimistic',
            onSuccess: () => notify(`${m.email} is now ${e.target.value}`, { type: 'success' }),
            onError: (err) => notify((err as Error).message, { type: 'error' }),
          },
        )
      }
    >
      {ROLES.map((r) => (
        <MenuItem key={r.id} value={r.id}>
          {r.name}
        </MenuItem>
      ))}
    </Select>
  );
}

function ExportCsvButton() {
  const [href, setHref] = useState<string>();
  useEffect(() => {
    void currentAccountId().then((id) => setHref(`/api/v1/accounts/${id}/members.csv`));
  }, []);
  return (
    <MuiButton size="small" component="a" href={href ?? '#'} download="members.csv" disabled={!href}>
      Export CSV
    </MuiButton>
  );
}

function MemberActions({ manager }: { manager: boolean }) {
  return <TopToolbar>{manager && <ExportCsvButton />}</TopToolbar>;
}

export function MemberList() {
  const { canAccess: manager = false, isPending } = useCanAccess({ resource: 'members.mfa', action: 'list' });
  const refresh = useRefresh();
  if (isPending) {
    return null;
  }
  const filters = [
    <SelectInput key="role" source="role" label="Role" choices={ROLES} alwaysOn />,
    ...(manager ? [<SelectInput key="mfa" source="mfa" label="2FA" choices={MFA_CHOICES} alwaysOn />] : []),
  ];
  return (
    <List title={manager ? 'Members' : 'Team roster'} filters={filters} actions={<MemberActions manager={manager} />} exporter={false} sort={{ field: 'joinedAt', order: 'ASC' }}>
      <Datagrid bulkActionButtons={false} rowClick={false} empty={<p style={{ padding: 16 }}>No members match these filters.</p>}>
        <TextField source="displayName" label="Name" />
        <TextField source="email" />
        {manager ? <FunctionField label="Role" render={() => <RoleSelect />} /> : <FunctionField label="Role" render={() => <RoleBadge />} />}
        {manager && <FunctionField label="2FA" render={() => <MfaBadge />} />}
        {manager && <DateField source="lastSignInAt" label="Last sign-in" showTime emptyText="never" />}
        <DateField source="joinedAt" label="Joined" />
        {manager && (
          <FunctionField
            label=""
            render={(m: Member) => (
              <Stack direction="row">
                <DeleteWithConfirmButton
                  label="Remove"
                  mutationMode="pessimistic"
                  confirmTitle={`Remove ${m.email}?`}
                  confirmContent="They lose access to this account at once."
                  mutationOptions={{ onSuccess: () => refresh() }}
                  redirect={false}
                />
              </Stack>
            )}
          />
        )}
      </Datagrid>
    </List>
  );
}

export function InvitationList() {
  return (
    <List title="Invitations" exporter={false} actions={<TopToolbar><CreateButton label="Invite" /></TopToolbar>}>
      <Datagrid bulkActionButtons={false} rowClick={false} empty={<p style={{ padding: 16 }}>No invitations yet.</p>}>
        <TextField source="email" />
        <TextField source="role" />
        <TextField source="status" />
        <DateField source="expiresAt" label="Expires" />
        <DeleteWithConfirmButton label="Revoke" mutationMode="pessimistic" confirmTitle="Revoke this invitation?" confirmContent="The link stops working." redirect={false} />
      </Datagrid>
    </List>
  );
}

