// Who is using the app: the user from /me, the unread count, and the login itself.
import { Vue } from "./vendor.js";
import { api, setToken } from "./api.js";
import { wx } from "./wx.js";

export const session = Vue.reactive({ user: null, unread: 0, ready: false });

export async function login() {
  const { code } = await wx.login();
  const answer = await api.post("/auth/login", { code });
  setToken(answer.token);
  session.user = answer.user;
  return answer.user;
}

export function hasRole(...roles) {
  const mine = session.user?.roles || [];
  return mine.includes("admin") || roles.some((role) => mine.includes(role));
}

export async function refreshUnread() {
  if (!session.user?.bound) return;
  const page = await api.get("/notifications", { unread: "true", limit: 100 }, { quiet: true }).catch(() => null);
  if (page) session.unread = page.items.length + (page.next_cursor ? 1 : 0);
}
