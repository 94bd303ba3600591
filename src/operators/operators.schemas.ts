import { z } from 'zod';
import { ROLES } from '../shared/roles.js';

/**
 * Request and response shapes of the operators API. Requests are strict (unknown fields are refused);
 * responses list every field they may carry, so nothing else (a hash, a secret) can slip out.
 */
const code = z.string().regex(/^\d{6}$/, 'must be the 6-digit code from the authenticator app');
const role = z.enum(ROLES);
const isoDate = z.string();

export const loginBody = z
  .object({
    email: z.string().min(1).max(254),
    password: z.string().min(1).max(1024),
    /** The authenticator code, named as at step-up and MFA verification. */
    code: z.string().max(16).optional(),
    /** The former name of `code`, still accepted. */
    totp: z.string().max(16).optional(),
  })
  .strict();

export const codeBody = z.object({ code }).strict();

/** For routes that take no input: no body, or `{}` (what the console sends); anything else is refused. */
export const noBody = z.object({}).strict().nullish();

export const setupBody = z
  .object({
    token: z.string().min(1).max(512),
    email: z.string().min(1).max(254),
    name: z.string().min(1).max(200),
    password: z.string().max(1024),
  })
  .strict();

export const invitationParams = z.object({ token: z.string().min(1).max(512) }).strict();

export const acceptInvitationBody = z
  .object({ token: z.string().min(1).max(512), password: z.string().max(1024) })
  .strict();

export const operatorSummary = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  roles: z.array(role),
  mfaEnrolled: z.boolean(),
});

export const accessTokenResponse = z.object({
  token: z.string(),
  expiresAt: isoDate,
  csrfToken: z.string(),
});

export const sessionResponse = accessTokenResponse
  .extend({
    mfaVerified: z.boolean(),
    stepUpUntil: isoDate.nullable(),
    operator: operatorSummary,
  })
  .meta({ id: 'LoginResponse' });

export const meResponse = operatorSummary
  .extend({
    permissions: z.array(z.string()),
    session: z.object({
      id: z.string(),
      mfaVerified: z.boolean(),
      stepUpUntil: isoDate.nullable(),
      stepUpOpen: z.boolean(),
    }),
  })
  .meta({ id: 'Me' });

export const enrolResponse = z.object({ secret: z.string(), otpauthUrl: z.string() });

export const stepUpResponse = z.object({ stepUpUntil: isoDate });

export const operatorListResponse = z.object({
  operators: z.array(
    z
      .object({
        id: z.string(),
        email: z.string(),
        name: z.string(),
        roles: z.array(role),
        status: z.enum(['active', 'deactivated']),
        mfaEnrolled: z.boolean(),
        telegramLinked: z.boolean(),
        invitation: z.enum(['pending', 'expired', 'accepted']).nullable(),
        createdAt: isoDate,
      })
      .meta({ id: 'OperatorListItem' }),
  ),
});

export const setupResponse = z.object({ operator: operatorSummary });

export const invitationView = z.object({
  email: z.string(),
  name: z.string(),
  roles: z.array(role),
  expiresAt: isoDate,
});

const invitation = z.object({ token: z.string(), url: z.string(), expiresAt: isoDate });
export const createdOperatorResponse = z.object({
  operator: operatorSummary,
  invitation,
  grant: z.enum(['none', 'bootstrap', 'break-glass']),
});
export const invitationResponse = z.object({ invitation });
export const deactivatedResponse = z.object({ id: z.string(), status: z.literal('deactivated') });
export const bootstrapResponse = z.object({
  active: z.boolean(),
  endedAt: isoDate.nullable(),
  endedBy: z.enum(['explicit', 'first_decision']).nullable(),
  reason: z.string().nullable(),
});
export const grantReviewsResponse = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      operatorId: z.string(),
      roles: z.array(role),
      openedBy: z.string(),
      reason: z.string(),
      status: z.enum(['open', 'acknowledged']),
      acknowledgedBy: z.string().nullable(),
      acknowledgedAt: isoDate.nullable(),
      comment: z.string().nullable(),
      createdAt: isoDate,
    }),
  ),
});
export const grantReviewAcknowledged = z.object({
  id: z.string(),
  status: z.enum(['open', 'acknowledged']),
  acknowledgedBy: z.string().nullable(),
});
