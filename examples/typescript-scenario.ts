// A scenario written in TypeScript: types are stripped at load time, and a
// runtime error points at this file's own line and column.
//
//   stampede run --embedded-target examples/typescript-scenario.ts
import http from 'k6/http';
import { check, sleep } from 'k6';

interface AnonymousUser {
  userId: string;
  token: string;
}

export const options = {
  scenarios: {
    me: { executor: 'constant-vus', vus: 3, duration: '5s' },
  },
};

function signUp(baseUrl: string): AnonymousUser {
  return http.post(`${baseUrl}/auth/anonymous`).json() as unknown as AnonymousUser;
}

export default function (): void {
  const user = signUp(__ENV.BASE_URL);
  const me = http.get(`${__ENV.BASE_URL}/me`, { headers: { Authorization: `Bearer ${user.token}` } });
  check(me, { 'has no tokens yet': (r) => r.json('tokens') === 0 });
  sleep(0.5);
}
