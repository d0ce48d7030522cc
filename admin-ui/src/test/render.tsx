import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { AdminContext, testDataProvider, type AuthProvider } from 'react-admin';
import { MemoryRouter } from 'react-router-dom';

/** A signed-in console user ("Ada") as react-admin sees one; the API itself is faked by fakeApi(). */
const signedIn: AuthProvider = {
  login: async () => undefined,
  logout: async () => undefined,
  checkAuth: async () => undefined,
  checkError: async () => undefined,
  getPermissions: async () => null,
  getIdentity: async () => ({ id: 'me', fullName: 'Ada' }),
};

/** Renders a My account piece inside react-admin's context and a router, signed in. */
export function renderSignedIn(ui: ReactElement) {
  return render(
    <MemoryRouter>
      <AdminContext authProvider={signedIn} dataProvider={testDataProvider()}>
        {ui}
      </AdminContext>
    </MemoryRouter>,
  );
}
