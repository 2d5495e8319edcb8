// Meeting rooms: search by day, size and equipment; each room shows its busy bar.
import { Vue } from "../vendor.js";
import { api } from "../api.js";
import { hhmm, localDate, dayLabel } from "../format.js";
import { usePage } from "../ui.js";
import { go } from "../router.js";
import DatetimeField from "./datetime-field.js";

const EQUIPMENT = ["投影仪", "视频会议", "白板", "音响", "电视"];

function minutes(hm) {
  const [h, m] = hm.split(":").map(Number);
  return h * 60 + m;
}

export default {
  components: { DatetimeField },
  template: `
    <div>
      <van-cell-group inset class="first">
        <van-cell title="我的会议" icon="calendar-o" is-link data-testid="meeting-mine" @click="go('/meetings/mine')" />
      </van-cell-group>
      <van-cell-group inset class="gap">
        <datetime-field v-model="date" mode="date" label="日期" testid="room-date" :min-date="today" />
        <van-field label="参会人数">
          <template #input><van-stepper v-model="minCapacity" min="1" max="500" integer data-testid="room-capacity" /></template>
        </van-field>
      </van-cell-group>
      <div class="chips">
        <button v-for="e in EQUIPMENT" :key="e" type="button" :aria-pressed="equipment.includes(e)" :class="['chip', { active: equipment.includes(e) }]" @click="toggle(e)">{{ e }}</button>
      </div>
      <page-state :page="page" empty="没有符合条件的会议室，试试减少人数或设备要求">
      <div class="section-title">{{ dayLabel(date) }} 的会议室</div>
      <div v-for="r in page.data.items" :key="r.id" class="room-card" :data-testid="'room-' + r.id" @click="go('/meetings/book/' + r.id + '?date=' + date)">
        <div class="room-head">
          <b>{{ r.name }}</b>
          <span class="muted">{{ r.building }} {{ r.floor }}层 · {{ r.capacity }}人</span>
          <van-tag v-if="r.needs_approval" type="warning" plain>需审批</van-tag>
        </div>
        <div class="muted small">{{ r.equipment.join(" · ") || "无设备" }} · {{ r.open_from }}–{{ r.open_to }}</div>
        <div class="busy-bar" :data-testid="'busy-' + r.id">
          <span v-for="(b, i) in r.busy" :key="i" class="busy" :style="bar(r, b)" :title="hhmm(b.start) + '–' + hhmm(b.end)"></span>
        </div>
        <div class="bar-scale"><span>{{ r.open_from }}</span><span>{{ r.open_to }}</span></div>
      </div>
      </page-state>
    </div>`,
  setup() {
    const today = localDate(0);
    const date = Vue.ref(today);
    const minCapacity = Vue.ref(1);
    const equipment = Vue.ref([]);
    const page = usePage(() => api.get("/meetings/rooms", { date: date.value, min_capacity: minCapacity.value, equipment: equipment.value.join(",") }, { quiet: true }));
    function toggle(item) {
      equipment.value = equipment.value.includes(item) ? equipment.value.filter((e) => e !== item) : [...equipment.value, item];
    }
    function bar(room, busy) {
      const from = minutes(room.open_from), to = minutes(room.open_to);
      const start = Math.max(from, minutes(hhmm(busy.start))), end = Math.min(to, minutes(hhmm(busy.end)) || to);
      return { left: `${(100 * (start - from)) / (to - from)}%`, width: `${Math.max(1, (100 * (end - start)) / (to - from))}%` };
    }
    Vue.watch([date, minCapacity, equipment], () => page.refresh());
    return { today, date, minCapacity, equipment, page, toggle, bar, go, hhmm, dayLabel, EQUIPMENT };
  },
};
