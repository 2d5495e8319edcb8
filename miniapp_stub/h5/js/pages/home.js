// Home: one entry per scenario for everyone, and one per role the user holds.
import { Vue } from "../vendor.js";
import { go } from "../router.js";
import { api } from "../api.js";
import { session, hasRole, refreshUnread, roleLabel } from "../session.js";
import { dayLabel, hhmm, localDate, span } from "../format.js";

/** Today at a glance: the next pickup code, the next meeting, the passes valid today. */
async function loadToday() {
  const now = Date.now();
  const [orders, bookings, passes] = await Promise.all([
    api.get("/meals/orders", { date: localDate(0) }, { quiet: true }).catch(() => null),
    api.get("/meetings/bookings", { limit: 50 }, { quiet: true }).catch(() => null),
    api.get("/visitors/passes", { limit: 50 }, { quiet: true }).catch(() => null),
  ]);
  const pickup = (orders?.items || [])
    .filter((o) => o.status === "confirmed" && new Date(o.slot.end).getTime() > now)
    .sort((a, b) => a.slot.start.localeCompare(b.slot.start))[0];
  const meeting = (bookings?.items || [])
    .filter((b) => ["confirmed", "pending_approval"].includes(b.status) && new Date(b.end).getTime() > now)
    .sort((a, b) => a.start.localeCompare(b.start))[0];
  const tomorrow = new Date(`${localDate(1)}T00:00:00+08:00`).getTime();
  const visitors = (passes?.items || []).filter(
    (p) => p.status === "active" && new Date(p.valid_from).getTime() < tomorrow && new Date(p.valid_to).getTime() > now,
  );
  return { pickup, meeting, visitors, failed: !orders || !bookings || !passes };
}

export default {
  template: `
    <div class="home">
      <div class="me-card">
        <div class="avatar">{{ (session.user?.name || "?").slice(-2) }}</div>
        <div>
          <div class="me-name">{{ session.user?.name }}</div>
          <div class="me-dept">{{ session.user?.department }} · {{ session.user?.employee_no }}</div>
          <div class="me-roles"><van-tag v-for="r in roles" :key="r" plain type="primary">{{ r }}</van-tag></div>
        </div>
      </div>
      <div class="section-title">今日 <span class="muted">{{ dayLabel(today) }}</span></div>
      <van-cell-group inset class="today" data-testid="home-today">
        <van-loading v-if="!glance" class="today-loading" size="20">加载中…</van-loading>
        <template v-else>
          <van-cell v-if="glance.pickup" is-link data-testid="today-pickup" title="取餐" @click="go('/meals/order/' + glance.pickup.id)"
                    :label="glance.pickup.canteen + ' · ' + span(glance.pickup.slot.start, glance.pickup.slot.end)" value="出示取餐码" />
          <van-cell v-if="glance.meeting" is-link data-testid="today-meeting" :title="'会议 · ' + glance.meeting.room.name"
                    :label="dayLabel(glance.meeting.start) + ' ' + span(glance.meeting.start, glance.meeting.end) + ' ' + (glance.meeting.title || '')"
                    @click="go('/meetings/mine')" />
          <van-cell v-for="p in glance.visitors" :key="p.id" is-link :data-testid="'today-pass-' + p.id" :title="'访客 · ' + p.visitor_name"
                    :label="'有效至 ' + dayLabel(p.valid_to) + ' ' + hhmm(p.valid_to)" @click="go('/visitors/' + p.id)" />
          <van-cell v-if="!glance.pickup && !glance.meeting && !glance.visitors.length" data-testid="today-empty"
                    title="今天没有待办" label="订餐、预定会议室或邀请访客后会显示在这里" />
          <van-cell v-if="glance.failed" title="部分内容未能加载" is-link data-testid="today-retry" value="重试" @click="reloadToday" />
        </template>
      </van-cell-group>
      <div class="section-title">服务</div>
      <van-grid :column-num="3" :border="false" class="entries">
        <van-grid-item v-for="e in services" :key="e.id" :data-testid="'nav-' + e.id" @click="go(e.to)">
          <template #icon><div class="entry-icon" :style="{ background: e.color }">{{ e.glyph }}</div></template>
          <template #text><span class="entry-text">{{ e.text }}</span></template>
        </van-grid-item>
        <van-grid-item data-testid="nav-notices" @click="go('/notices')">
          <template #icon>
            <div class="entry-icon" style="background:#fa9d3b">信
              <span v-if="session.unread" class="unread" data-testid="notices-unread">{{ session.unread > 99 ? "99+" : session.unread }}</span>
            </div>
          </template>
          <template #text><span class="entry-text">消息通知</span></template>
        </van-grid-item>
      </van-grid>
      <template v-if="work.length">
        <div class="section-title">工作台</div>
        <van-grid :column-num="3" :border="false" class="entries">
          <van-grid-item v-for="e in work" :key="e.id" :data-testid="'nav-' + e.id" @click="go(e.to)">
            <template #icon><div class="entry-icon" :style="{ background: e.color }">{{ e.glyph }}</div></template>
            <template #text><span class="entry-text">{{ e.text }}</span></template>
          </van-grid-item>
        </van-grid>
      </template>
    </div>`,
  setup() {
    const services = [
      { id: "meals", text: "餐饮预定", glyph: "餐", color: "#07c160", to: "/meals" },
      { id: "meetings", text: "会议室", glyph: "会", color: "#10aeff", to: "/meetings" },
      { id: "repairs", text: "设备报修", glyph: "修", color: "#fa5151", to: "/repairs" },
      { id: "visitors", text: "访客邀约", glyph: "访", color: "#6467f0", to: "/visitors" },
      { id: "survey", text: "满意度调查", glyph: "评", color: "#ff976a", to: "/assessment/survey" },
      { id: "gym", text: "健身联盟", glyph: "健", color: "#ff8f1f", to: "/gym" },
      { id: "library", text: "图书借阅", glyph: "书", color: "#1485ee", to: "/library" },
      { id: "carwash", text: "洗车服务", glyph: "洗", color: "#1485ee", to: "/carwash" },
      { id: "procurement", text: "采购申请", glyph: "采", color: "#fa9d3b", to: "/procurement" },
      { id: "duty", text: "勤务站", glyph: "勤", color: "#576b95", to: "/duty" },
    ];
    // A contracted team's contact has no role of their own: the entry shows once they have a rectification.
    const teamContact = Vue.ref(false);
    const work = Vue.computed(() => [
      hasRole("canteen") && { id: "canteen", text: "食堂核销", glyph: "核", color: "#07c160", to: "/canteen" },
      hasRole("facility", "facility_lead") && { id: "crew", text: "维修工单", glyph: "单", color: "#fa5151", to: "/crew" },
      hasRole("guard") && { id: "gate", text: "门岗核验", glyph: "岗", color: "#576b95", to: "/gate" },
      hasRole("librarian") && { id: "library-desk", text: "图书借还", glyph: "借", color: "#1485ee", to: "/library/desk" },
      hasRole("carwash") && { id: "station", text: "洗车核销", glyph: "洗", color: "#1485ee", to: "/carwash/station" },
      hasRole("dept_head", "procurement") && { id: "purchase-approve", text: "采购审批", glyph: "批", color: "#fa9d3b", to: "/procurement?tab=approve" },
      hasRole("duty_station") && { id: "duty-desk", text: "勤务站窗口", glyph: "窗", color: "#576b95", to: "/duty/desk" },
      hasRole("admin") && { id: "admin", text: "管理后台", glyph: "管", color: "#353535", to: "/admin" },
      hasRole("inspector") && { id: "inspect", text: "服务检查", glyph: "检", color: "#576b95", to: "/assessment/inspect" },
      (hasRole("inspector") || teamContact.value) && { id: "rectifications", text: "整改单", glyph: "改", color: "#fa9d3b", to: "/assessment/rectifications" },
      hasRole("admin") && { id: "assessment", text: "考核看板", glyph: "考", color: "#10aeff", to: "/assessment/board" },
    ].filter(Boolean));
    const roles = Vue.computed(() => (session.user?.roles || []).map(roleLabel));
    const glance = Vue.ref(null);
    async function reloadToday() {
      glance.value = null;
      glance.value = session.user?.bound ? await loadToday() : { visitors: [] };
    }
    Vue.onMounted(refreshUnread);
    Vue.onMounted(reloadToday);
    Vue.onMounted(async () => {
      if (!session.user?.bound || hasRole("inspector")) return;
      const page = await api.get("/assessment/rectifications", { limit: 1 }, { quiet: true }).catch(() => null);
      teamContact.value = Boolean(page?.items.length);
    });
    return { session, services, work, roles, go, glance, reloadToday, today: localDate(0), dayLabel, hhmm, span };
  },
};
