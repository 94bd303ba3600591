import { sql, type Kysely } from 'kysely';

/**
 * Client trading buttons (Accept, Re-quote, Cancel, Change address) carry the same opaque single-use
 * tokens as the operators' Co-sign/Reject. A client token is bound to the Telegram user it was shown
 * to and carries what the press means (a quote id, a trade id, an address id) as a small JSON payload,
 * so the button's callback data never holds anything the server would trust. Decision tokens keep
 * their request and operator; a check says which columns each kind of token needs.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table telegram_callback_tokens drop constraint telegram_callback_tokens_action_check;
    alter table telegram_callback_tokens alter column request_id drop not null;
    alter table telegram_callback_tokens alter column operator_id drop not null;
    alter table telegram_callback_tokens add column telegram_user_id bigint;
    alter table telegram_callback_tokens add column payload jsonb;
    alter table telegram_callback_tokens add constraint telegram_callback_tokens_action_check check (
      (action in ('cosign', 'reject') and request_id is not null and operator_id is not null)
      or (action in ('quote.accept', 'quote.requote', 'trade.cancel', 'trade.amend', 'trade.amend.address') and telegram_user_id is not null and payload is not null)
    );
  `.execute(db);
}
