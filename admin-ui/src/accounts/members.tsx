import { Button as MuiButton, Chip, MenuItem, Select, Stack } from '@mui/material';
import {
  Button as RaButton,
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
  usePermissions,
  useRecordContext,
  useRefresh,
  useUpdate,
} from 'react-admin';
import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';

import { currentAccountId } from '../account';
import { api } from '../api';
import { ConfirmButton } from '../me/common';
import { problem } from './settings';

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
  { id: 'passkey', name: 'Passkey' },
];

interface Member {
  id: string;
  email: string;
  displayName: string;
  role: string;
  mfa?: { enabled: boolean; totp: boolean; sms: boolean; passkeys: number; backupCodesRemaining: number };
}

export function MfaBadge() {
  const m = useRecordContext<Member>();
  if (!m?.mfa) {
    return null;
  }
  if (!m.mfa.enabled) {
    return <Chip size="small" color="warning" label="No 2FA" data-testid="mfa-badge" />;
  }
  const kinds = [m.mfa.passkeys > 0 && 'Passkey', m.mfa.totp && 'Authenticator', m.mfa.sms && 'SMS'].filter(Boolean).join(' + ');
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

function MemberActions({ manager, owner }: { manager: boolean; owner: boolean }) {
  return (
    <TopToolbar>
      {owner && (
        <MuiButton size="small" component={Link} to="/transfer-ownership">
          Transfer ownership
        </MuiButton>
      )}
      {manager && <ExportCsvButton />}
    </TopToolbar>
  );
}

/** The member gets the same mail as "forgot password"; the link never reaches the admin. */
function SendPasswordReset({ member }: { member: Member }) {
  const notify = useNotify();
  return (
    <ConfirmButton
      label="Reset password"
      color="primary"
      title={`Send ${member.email} a password-reset link?`}
      body="They get the same email as after “Forgot password?”, valid for 1 hour. Their current password keeps working until they use it, and their two-factor code is still asked for."
      onConfirm={async () => {
        try {
          await api(`/accounts/${await currentAccountId()}/members/${member.id}/password-reset`, { method: 'POST' });
          notify(`A password-reset link was emailed to ${member.email}`, { type: 'success' });
        } catch (err) {
          notify(problem(err), { type: 'error' });
        }
      }}
    />
  );
}

export function MemberList() {
  const { canAccess: manager = false, isPending } = useCanAccess({ resource: 'members.mfa', action: 'list' });
  const { permissions: myRole } = usePermissions<string | null>();
  const owner = myRole === 'owner';
  const refresh = useRefresh();
  if (isPending) {
    return null;
  }
  const filters = [
    <SelectInput key="role" source="role" label="Role" choices={ROLES} alwaysOn />,
    ...(manager ? [<SelectInput key="mfa" source="mfa" label="2FA" choices={MFA_CHOICES} alwaysOn />] : []),
  ];
  return (
    <List title={manager ? 'Members' : 'Team roster'} filters={filters} actions={<MemberActions manager={manager} owner={owner} />} exporter={false} sort={{ field: 'joinedAt', order: 'ASC' }}>
      <Datagrid bulkActionButtons={false} rowClick={false} empty={<p style={{ padding: 16 }}>No members match these filters.</p>}>
        <TextField source="displayName" label="Name" />
        <TextField source="email" />
        {manager ? <FunctionField label="Role" render={() => <RoleSelect />} /> : <FunctionField label="Role" render={() => <RoleBadge />} />}
        {manager && <FunctionField label="2FA" sortBy="mfa" render={() => <MfaBadge />} />}
        {manager && <DateField source="lastSignInAt" label="Last sign-in" showTime emptyText="never" />}
        <DateField source="joinedAt" label="Joined" />
        {manager && (
          <FunctionField
            label=""
            render={(m: Member) => (
              <Stack direction="row" sx={{ flexWrap: 'wrap' }}>
                {(owner || m.role !== 'owner') && <SendPasswordReset member={m} />}
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

interface Invitation {
  id: string;
  email: string;
  role: string;
  status: 'pending' | 'accepted' | 'revoked' | 'expired';
}

/** A fresh link valid 7 more days; the previous link stops working. Also revives a revoked or expired invitation. */
function ResendInvitation() {
  const inv = useRecordContext<Invitation>();
  const notify = useNotify();
  const refresh = useRefresh();
  const [busy, setBusy] = useState(false);
  if (!inv || inv.status === 'accepted') {
    return null;
  }
  return (
    <RaButton
      label="Resend"
      disabled={busy}
      onClick={async (e) => {
        e.stopPropagation();
        setBusy(true);
        try {
          await api(`/accounts/${await currentAccountId()}/invitations/${inv.id}/resend`, { method: 'POST' });
          notify(`Invitation sent again to ${inv.email}`, { type: 'success' });
          refresh();
        } catch (err) {
          notify(problem(err), { type: 'error' });
        } finally {
          setBusy(false);
        }
      }}
    />
  );
}

function RevokeInvitation() {
  const inv = useRecordContext<Invitation>();
  return inv?.status === 'pending' ? (
    <DeleteWithConfirmButton label="Revoke" mutationMode="pessimistic" confirmTitle="Revoke this invitation?" confirmContent="The link stops working." redirect={false} />
  ) : null;
}

export function InvitationList() {
  return (
    <List title="Invitations" exporter={false} actions={<TopToolbar><CreateButton label="Invite" /></TopToolbar>}>
      <Datagrid bulkActionButtons={false} rowClick={false} empty={<p style={{ padding: 16 }}>No invitations yet.</p>}>
        <TextField source="email" />
        <TextField source="role" />
        <FunctionField label="Status" render={(i: Invitation) => <Chip size="small" label={i.status} data-testid="invitation-status" />} />
        <DateField source="expiresAt" label="Expires" showTime />
        <FunctionField
          label=""
          render={() => (
            <Stack direction="row">
              <ResendInvitation />
              <RevokeInvitation />
            </Stack>
          )}
        />
      </Datagrid>
    </List>
  );
}

