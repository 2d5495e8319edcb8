// My appointments, numbers and errands at the duty station, with the live place in the
// queue: the list refreshes itself while something is waiting or called.
import { Vue } from "../vendor.js";
import { api } from "../api.js";
import { dayLabel, hhmm, span, statusText, statusType } from "../format.js";
import { usePage } from "../ui.js";
import { go } from "../router.js";
import { LIVE, MODES, useDutyStyles } from "./duty-common.js";

const REFRESH_MS = 10_000;

export default {
  template: `
    <div>
      <div class="toolbar">
        <van-button class="tap" size="small" round plain type="primary" data-testid="duty-services" @click="go('/duty')">办理业务</van-button>
      </div>
      <page-state :page="page" empty="还没有勤务站的预约或排号">
        <van-cell-group inset class="gap">
          <van-cell v-for="a in page.data.items" :key="a.id" is-link :data-testid="'duty-appt-' + a.id" @click="go('/duty/appointments/' + a.id)">
            <template #title>
              <b v-if="a.ticket_no" class="row-action">{{ a.ticket_no }}</b> {{ a.service.name }}
              <van-tag plain :type="MODES[a.kind][1]">{{ MODES[a.kind][0] }}</van-tag>
            </template>
            <template #label>
              <div>{{ a.slot ? '预约 ' + span(a.slot.start, a.slot.end) : dayLabel(a.date) + ' ' + hhmm(a.checked_in_at || a.created_at) + (a.kind === 'errand' ? ' 提交' : ' 取号') }}</div>
              <div v-if="a.status === 'waiting' && a.position" :data-testid="'duty-appt-position-' + a.id">排队第 {{ a.position }} 位</div>
              <div v-if="a.status === 'called'" class="danger-text">请到 {{ a.counter }} 号窗口</div>
              <div v-if="a.status === 'needs_info'" class="danger-text">需补充材料：{{ a.info_note }}</div>
            </template>
            <template #value>
              <van-tag :type="statusType('duty', a.status)" :data-testid="'duty-appt-status-' + a.id" :data-status="a.status">{{ statusText('duty', a.status) }}</van-tag>
            </template>
          </van-cell>
        </van-cell-group>
      </page-state>
    </div>`,
  setup() {
    useDutyStyles();
    const page = usePage(() => api.get("/duty/appointments", undefined, { quiet: true }));
    const timer = setInterval(() => {
      if (page.state === "loaded" && page.data.items.some((a) => LIVE.has(a.status) && a.status !== "booked")) page.refresh();
    }, REFRESH_MS);
    Vue.onBeforeUnmount(() => clearInterval(timer));
    return { page, go, span, dayLabel, hhmm, statusText, statusType, MODES };
  },
};
