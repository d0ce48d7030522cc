import { Route } from 'react-router-dom';
import { Admin, CustomRoutes, Resource, defaultDarkTheme, defaultLightTheme } from 'react-admin';

import { AccountApiKeysPage } from './accounts/api-keys';
import { AuditLogList } from './accounts/audit';
import { Dashboard } from './accounts/dashboard';
import { InvitationCreate } from './accounts/invitations';
import { InvitationList, MemberList } from './accounts/members';
import { AccountSettings } from './accounts/settings';
import { TransferOwnership } from './accounts/transfer';
import { WebhooksPage } from './accounts/webhooks';
import { SETUP_ROUTE, authProvider } from './authProvider';
import { dataProvider } from './dataProvider';
import { ConsoleLayout } from './layout/layout';
import { LoginPage } from './LoginPage';
import { MyAccount } from './me/my-account';
import { publicRoutes } from './public/pages';
import { TicketList, TicketShow } from './support/tickets';
import { StaffUserList, StaffUserShow } from './support/users';
import { SetupRequired } from './me/setup-required';

export function App() {
  return (
    <Admin
      authProvider={authProvider}
      dataProvider={dataProvider}
      loginPage={LoginPage}
      dashboard={Dashboard}
      layout={ConsoleLayout}
      theme={defaultLightTheme}
      darkTheme={defaultDarkTheme}
      defaultTheme="light"
      disableTelemetry
      requireAuth
    >
      <Resource name="members" list={MemberList} options={{ label: 'Members' }} />
      <Resource name="invitations" list={InvitationList} create={InvitationCreate} />
      <Resource name="audit-log" list={AuditLogList} options={{ label: 'Audit log' }} />
      <Resource name="tickets" list={TicketList} show={TicketShow} options={{ label: 'Support queue' }} />
      <Resource name="staff-users" list={StaffUserList} show={StaffUserShow} options={{ label: 'User lookup' }} />
      <CustomRoutes>
        <Route path="/settings" element={<AccountSettings />} />
        <Route path="/webhooks" element={<WebhooksPage />} />
        <Route path="/api-keys" element={<AccountApiKeysPage />} />
        <Route path="/me" element={<MyAccount />} />
        {/* /me/notifications and /me/security: the pages mails link to (public/routes.ts). */}
        <Route path="/me/:tab" element={<MyAccount />} />
        <Route path="/transfer-ownership" element={<TransferOwnership />} />
      </CustomRoutes>
      <CustomRoutes noLayout>
        <Route path={SETUP_ROUTE} element={<SetupRequired />} />
        {publicRoutes}
      </CustomRoutes>
    </Admin>
  );
}
