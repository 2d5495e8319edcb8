// The station's TV (1920×1080, no login): the last tickets called with their counter and
// how many wait, in large type, refreshed every few seconds. GET /duty/display carries
// ticket numbers only, so nothing personal can reach the hall's screen.
import { Vue } from "../vendor.js";
import { hhmm } from "../format.js";
import { usePage } from "../ui.js";
import { useDutyStyles } from "./duty-common.js";

const REFRESH_MS = 5_000;

async function fetchDisplay() {
  // No token: the TV is no one's account, and a public route needs none.
  const response = await fetch("/api/v1/duty/display", { cache: "no-store" });
  if (!response.ok) throw new Error(`叫号屏暂时无法更新（${response.status}）`);
  return response.json();
}

export default {
  template: `
    <div class="duty-tv" data-testid="duty-display">
      <div class="tv-head"><span>勤务站 · 叫号</span><span class="tv-clock" data-testid="display-clock">{{ clock }}</span></div>
      <div v-if="page.state === 'loading'" class="tv-empty" data-testid="page-loading">正在连接…</div>
      <div v-else-if="page.state === 'failed'" class="tv-empty" data-testid="page-error">{{ page.message }}
        <div><button type="button" class="chip" data-testid="page-retry" @click="page.reload()">重试</button></div></div>
      <template v-else>
        <div v-if="latest" class="tv-latest" data-testid="display-latest">
          <div class="no" data-testid="display-latest-no">{{ latest.ticket_no }}</div>
          <div class="where">请到 <b data-testid="display-latest-counter">{{ latest.counter }}</b> 号窗口</div>
        </div>
        <div v-else class="tv-empty" data-testid="page-empty">今日尚未叫号</div>
        <div class="tv-list">
          <div v-for="c in earlier" :key="c.ticket_no + c.called_at" data-testid="display-called">{{ c.ticket_no }}<small>{{ c.counter }} 号窗口 · {{ hhmm(c.called_at) }}</small></div>
        </div>
        <div class="tv-foot">
          <span>等候人数 <b data-testid="display-waiting">{{ page.data.waiting }}</b></span>
          <span v-if="stale" class="tv-stale" data-testid="display-stale">网络中断，显示的可能不是最新</span>
        </div>
      </template>
    </div>`,
  setup() {
    useDutyStyles();
    const page = usePage(fetchDisplay, { isEmpty: () => false });
    const stale = Vue.ref(false);
    const clock = Vue.ref("");
    const tickClock = () => { clock.value = new Date().toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", month: "numeric", day: "numeric", weekday: "short", hour: "2-digit", minute: "2-digit", hour12: false }); };
    tickClock();
    // Refresh quietly: a failed refresh keeps the last board and says so, never a blank TV.
    const timer = setInterval(async () => {
      tickClock();
      if (page.state === "failed") return page.reload();
      try {
        page.data = await fetchDisplay();
        stale.value = false;
      } catch (err) {
        stale.value = true;
      }
    }, REFRESH_MS);
    Vue.onBeforeUnmount(() => clearInterval(timer));
    const latest = Vue.computed(() => page.data?.called[0] || null);
    const earlier = Vue.computed(() => (page.data?.called || []).slice(1));
    return { page, latest, earlier, clock, stale, hhmm };
  },
};
