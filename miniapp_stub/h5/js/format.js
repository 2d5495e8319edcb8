// Formatting shared by every page: money, dates and times in the service's zone, and the
// status labels of every domain. A page never keeps its own map of labels.
const TZ = "Asia/Shanghai";

export function yuan(fen) {
  if (fen === null || fen === undefined) return "";
  return `¥${(fen / 100).toFixed(2)}`;
}

export function hhmm(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleTimeString("zh-CN", { timeZone: TZ, hour: "2-digit", minute: "2-digit", hour12: false });
}

/** "12月7日 周一" from YYYY-MM-DD (or an ISO timestamp: its local day). */
export function dayLabel(value) {
  if (!value) return "";
  const isoDate = value.length > 10 ? localDateOf(value) : value;
  const week = "日一二三四五六"[new Date(`${isoDate}T12:00:00+08:00`).getUTCDay()];
  const [, month, day] = isoDate.split("-");
  return `${Number(month)}月${Number(day)}日 周${week}`;
}

/** "12/7 11:30" in the service's zone. */
export function dateTime(iso) {
  if (!iso) return "";
  return new Date(iso).toLocaleString("zh-CN", {
    timeZone: TZ, month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit", hour12: false,
  });
}

/** "12月7日 周一 11:30–11:45": a time-bound thing always shows its day. */
export function span(startIso, endIso) {
  if (!startIso) return "";
  const end = endIso ? `–${hhmm(endIso)}` : "";
  return `${dayLabel(startIso)} ${hhmm(startIso)}${end}`;
}

/** YYYY-MM-DD of an instant in the service's zone. */
export function localDateOf(iso) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: TZ }).format(new Date(iso));
}

/** YYYY-MM-DD in the service's zone, `offset` days from today. */
export function localDate(offset = 0) {
  return localDateOf(new Date(Date.now() + offset * 86_400_000).toISOString());
}

/** YYYY-MM of this month (or `offset` months away) in the service's zone. */
export function localMonth(offset = 0) {
  const [year, month] = localDate().split("-").map(Number);
  const index = year * 12 + (month - 1) + offset;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, "0")}`;
}

/** An ISO timestamp with +08:00 from a local date and HH:MM. */
export function isoAt(date, time) {
  return `${date}T${time}:00+08:00`;
}

/** Is this instant on today's local date? */
export function isToday(iso) {
  return Boolean(iso) && localDateOf(iso) === localDate();
}

// --- status labels: [text, Vant tag type] ------------------------------------------------
export const STATUS = {
  // API.md §3 Order.status
  meals: {
    confirmed: ["已预订", "success"], waitlisted: ["候补中", "warning"], served: ["已取餐", "primary"],
    cancelled: ["已取消", "default"], no_show: ["未取餐", "danger"],
  },
  // API.md §4 Booking.status
  meetings: {
    pending_approval: ["待审批", "warning"], confirmed: ["已预定", "success"], cancelled: ["已取消", "default"],
    released: ["已释放", "default"], rejected: ["未通过", "danger"], completed: ["已结束", "default"],
  },
  // API.md §5 Ticket.status
  repairs: {
    open: ["待派单", "warning"], assigned: ["已派单", "primary"], in_progress: ["处理中", "primary"],
    resolved: ["待确认", "success"], closed: ["已完成", "default"], cancelled: ["已取消", "default"],
  },
  // API.md §6 Pass.status
  visitors: {
    active: ["有效", "success"], used_up: ["已用完", "default"], expired: ["已过期", "default"],
    revoked: ["已撤销", "danger"],
  },
  // Why the gate refused a pass (VerifyOut.reason of /gate/verify and /gate/passes/{id}/admit).
  gate: {
    unknown: ["无效通行码", "danger"], revoked: ["通行证已撤销", "danger"], expired: ["通行证已过期", "danger"],
    not_yet_valid: ["未到有效时间", "warning"], used_up: ["入场次数已用完", "danger"],
  },
  // API.md §8 Card.status
  carwash: {
    pending_payment: ["待支付", "warning"], active: ["可用", "success"], used_up: ["已用完", "default"],
    expired: ["已过期", "default"], refunding: ["退款中", "warning"], refunded: ["已退款", "default"],
    closed: ["未支付关闭", "default"],
  },
  // API.md §8 WashBooking.status
  carwash_booking: {
    confirmed: ["已预约", "primary"], cancelled: ["已取消", "default"], washed: ["已洗车", "success"],
    no_show: ["未到店", "danger"],
  },
  // API.md §10 gym Booking.status
  gym: {
    confirmed: ["已预约", "success"], waitlisted: ["候补中", "warning"], cancelled: ["已取消", "default"],
    late_cancelled: ["已取消（不退次数）", "danger"], checked_in: ["已签到", "primary"], no_show: ["未到场", "danger"],
    expired: ["已过期", "default"],
  },
  // API.md §9 Loan.status, Hold.status, Copy.status
  library: {
    on_loan: ["在借", "primary"], returned: ["已归还", "default"], overdue: ["已逾期", "danger"],
    lost: ["已挂失", "default"],
  },
  library_hold: {
    waiting: ["排队中", "primary"], ready: ["可取书", "success"], fulfilled: ["已借到", "default"],
    cancelled: ["已取消", "default"], expired: ["已过期", "default"],
  },
  library_copy: {
    available: ["在架", "success"], on_loan: ["借出", "primary"], on_hold_shelf: ["预留架", "warning"],
    lost: ["遗失", "danger"],
  },
  // API.md §12 Purchase.status
  procurement: {
    pending_dept: ["待部门审批", "warning"], pending_procurement: ["待采购办审批", "warning"],
    pending_leader: ["待领导审批", "warning"], approved: ["已批准", "success"], rejected: ["已驳回", "danger"],
    withdrawn: ["已撤回", "default"], ordered: ["已下单", "primary"], received: ["已收货", "default"],
  },
  // API.md §11 Rectification.status
  assessment: {
    open: ["待整改", "warning"], submitted: ["待复查", "primary"], verified: ["已通过", "success"],
    overdue: ["已逾期", "danger"],
  },
  duty: {
    booked: ["已预约", "primary"], waiting: ["排队中", "warning"], called: ["已叫号", "success"],
    serving: ["办理中", "primary"], needs_info: ["待补件", "danger"], done: ["已办结", "default"],
    cancelled: ["已取消", "default"], no_show: ["已过号", "danger"],
  },
};

/** The label of a status in a domain, falling back to the code itself. */
export function statusText(domain, status) {
  return STATUS[domain]?.[status]?.[0] ?? status;
}

export function statusType(domain, status) {
  return STATUS[domain]?.[status]?.[1] ?? "default";
}
