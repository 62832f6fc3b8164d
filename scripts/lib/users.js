// Anonymous users and their tokens.
import stripe from 'k6/x/stripe';
import { Counter, Rate } from 'k6/metrics';

const tokensBought = new Counter('tokens_bought');
// error_rate is shared with k6/x/queue: every API operation feeds it.
const errorRate = new Rate('error_rate');

/**
 * Buys tokens for user with a validly signed checkout.session.completed
 * webhook. Returns true when the API credited them.
 */
export function buyTokens(cfg, user, tokens, tags) {
  const event = stripe.checkoutCompleted({ userId: user.userId, tokens });
  const res = stripe.webhook(`${cfg.baseUrl}/webhooks/stripe`, event, cfg.webhookSecret, {
    tags: Object.assign({ name: 'POST /webhooks/stripe' }, tags || {}),
  });
  let credited = false;
  if (res.status === 200) {
    try {
      credited = res.json('credited') === tokens;
    } catch (e) {
      credited = false;
    }
  }
  errorRate.add(!credited, { op: 'webhook' });
  if (credited) tokensBought.add(tokens);
  return credited;
}
