import { hashSecret } from '@marketqr/auth';
import type { Logger } from '@marketqr/service-kit';
import type { Models } from '../store/models';
import { unlessDuplicate } from '@marketqr/service-kit';

/**
 * The first admin: created at start from ADMIN_USERNAME / ADMIN_PASSWORD(_FILE) when no user of that name exists.
 * Inserted with a fixed id, so two replicas starting together create it once (the unique index settles the race).
 * An existing admin's password is never changed here.
 */
export async function ensureAdmin(models: Models, username: string, password: string | undefined, logger: Logger) {
  if (await models.User.exists({ username })) return;
  if (!password) {
    logger.warn({ username }, 'no admin user and no ADMIN_PASSWORD: nobody can create markets until one is set');
    return;
  }
  const created = await unlessDuplicate(
    models.User.create({
      _id: `usr_admin_${username}`,
      username,
      fullName: 'Quản trị viên',
      role: 'admin',
      passwordHash: await hashSecret(password),
      createdAt: new Date(),
    }),
  );
  if (created) logger.info({ username }, 'admin user created');
}
