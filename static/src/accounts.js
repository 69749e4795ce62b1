// The JSON record of each account, asked for once per page however many widgets show it.
// No cookies go with it. A 202 means the service is still fetching the account: ask once
// more after RETRY_MS. Anything else that is not a 200 with JSON resolves to false (or
// rejects), and the caller keeps the image.
const RETRY_MS = 2000;

export const accounts = (api) => {
  const asked = {};
  const get = (id, again) => fetch(api + id, {credentials: 'omit'}).then((r) =>
    r.status == 202
      ? !again && new Promise((done) => setTimeout(() => done(get(id, true)), RETRY_MS))
      : r.ok && r.json());
  return (id) => (asked[id] ||= get(id));
};
