// The public face of @latchkey/sessions: what other libs and the apps may use (see test/platform/public-faces).
export { SessionDto } from './dto/session.dto';
export { SessionHolderView } from './session-holder.view';
export { SessionsHttpModule, SessionsModule } from './sessions.module';
export { SessionsService, csrfTokenFor, type IssuedSession } from './sessions.service';
