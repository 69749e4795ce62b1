// The card of each account (/api/v1/accounts/<id>/card: the drawing only, not the
// whole record with its explanations), asked for once per page however many widgets show it in
// the same language and topic count (data-lang, data-topics: the card in the record is drawn
// for them). No cookies go with it. A 202 means the service is still fetching the account: ask
// once more after RETRY_MS. Anything else that is not a 200 with JSON resolves to false (or
// rejects), and the caller keeps the image (a card-shaped message when the account is missing).
const RETRY_MS = 2000;

export const accounts = (api) => {
  const asked = {};
  const get = (url, again) => fetch(url, {credentials: 'omit'}).then((r) =>
    r.status == 202
      ? !again && new Promise((done) => setTimeout(() => done(get(url, true)), RETRY_MS))
      : r.ok && r.json());
  return ({account, lang, topics}) => {
    const url = api + account + '/card?' + new URLSearchParams({lang: lang || '', topics: topics || 3});
    return (asked[url] ||= get(url));
  };
};
