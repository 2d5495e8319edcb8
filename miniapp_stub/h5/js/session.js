// Who is using the app: the user from /me, the unread count, and the login itself.
import { Vue } from "./vendor.js";
import { api, setToken } from "./api.js";
import { wx } from "./wx.js";

// ready: start-up done; failed: the start-up login's error (the shell offers 重试);
// loggedOut: the user logged out on 我的 (the shell offers to log in again).
export const session = Vue.reactive({ user: null, unread: 0, ready: false, failed: null, loggedOut: false });

// Role labels as the server names them (GET /admin/roles, read when an admin is logged
// in); these cover a user who may not read that list.
const labels = Vue.reactive({
  staff: "职工", canteen: "食堂", facility: "维修工", facility_lead: "维修班长", guard: "门岗", admin: "管理员",
  inspector: "考核检查员", librarian: "图书管理员", carwash: "洗车员", dept_head: "部门负责人", procurement: "采购",
  duty_station: "勤务站",
});

export function roleLabel(role) {
  return labels[role] || role;
}

export async function loadRoleLabels() {
  const list = await api.get("/admin/roles", undefined, { quiet: true });
  for (const item of list.items) labels[item.role] = item.label;
  return list.items;
}

export async function login() {
  const { code } = await wx.login();
  const answer = await api.post("/auth/login", { code }, { quiet: true });
  setToken(answer.token);
  session.user = answer.user;
  return answer.user;
}

/** After POST /auth/logout: forget the token and the user. */
export function logout() {
  setToken("");
  session.user = null;
  session.unread = 0;
  session.loggedOut = true;
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
