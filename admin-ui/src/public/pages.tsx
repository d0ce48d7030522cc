import { ComponentType } from 'react';
import { Route } from 'react-router-dom';

import { AcceptInvitationPage } from './accept-invitation';
import { CancelDeletionPage } from './cancel-deletion';
import { ConfirmEmailPage } from './confirm-email';
import { ForgotPasswordPage } from './forgot-password';
import { ResetPasswordPage } from './reset-password';
import { LinkAccountPage, ProviderReturnPage } from './providers';
import { PUBLIC_ROUTES, PublicPage } from './routes';
import { SignUpPage } from './sign-up';
import { SupportCancelPage } from './support-cancel';
import { SupportConfirmPage } from './support-confirm';
import { SupportRequestPage } from './support-request';
import { VerifyEmailPage } from './verify-email';

/** A page for every public route but the sign-in, which react-admin mounts itself (loginPage). */
const PAGES: Record<Exclude<PublicPage, 'signIn'>, ComponentType> = {
  signUp: SignUpPage,
  forgotPassword: ForgotPasswordPage,
  resetPassword: ResetPasswordPage,
  verifyEmail: VerifyEmailPage,
  confirmEmail: ConfirmEmailPage,
  acceptInvitation: AcceptInvitationPage,
  supportRequest: SupportRequestPage,
  supportConfirm: SupportConfirmPage,
  supportCancel: SupportCancelPage,
  cancelDeletion: CancelDeletionPage,
  providerReturn: ProviderReturnPage,
  linkAccount: LinkAccountPage,
};

/** For `<CustomRoutes noLayout>`: reachable without a session. */
export const publicRoutes = (Object.entries(PAGES) as Array<[Exclude<PublicPage, 'signIn'>, ComponentType]>).map(([page, Page]) => (
  <Route key={page} path={PUBLIC_ROUTES[page]} element={<Page />} />
));
