// Book a room: a time on its slot grid, title, attendees; optionally the same time every week.
import { Vue } from "../vendor.js";
import { api, hhmm, isoAt, localDate, showToast } from "../api.js";
import { route, replace } from "../router.js";

function grid(room) {
  const [fh, fm] = room.open_from.split(":").map(Number);
  const [th, tm] = room.open_to.split(":").map(Number);
  const out = [];
  for (let m = fh * 60 + fm; m <= th * 60 + tm; m += room.slot_minutes) {
    out.push(`${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`);
  }
  return out;
}

export default {
  template: `
    <div v-if="room">
      <div class="banner">
        <div class="banner-title">{{ room.name }}</div>
        <div class="banner-sub">{{ room.building }} {{ room.floor }}层 · 可容纳 {{ room.capacity }} 人 · {{ room.equipment.join("、") }}</div>
      </div>
      <div class="section-title">{{ date }} 已占用：{{ room.busy.length ? room.busy.map((b) => hhmm(b.start) + "–" + hhmm(b.end)).join("，") : "全天空闲" }}</div>
      <van-cell-group inset>
        <van-field v-model="date" type="date" label="日期" data-testid="book-date" />
        <van-field label="开始">
          <template #input><select v-model="start" class="select" data-testid="book-start"><option v-for="t in times.slice(0, -1)" :key="t" :value="t">{{ t }}</option></select></template>
        </van-field>
        <van-field label="结束">
          <template #input><select v-model="end" class="select" data-testid="book-end"><option v-for="t in times.filter((t) => t > start)" :key="t" :value="t">{{ t }}</option></select></template>
        </van-field>
        <van-field v-model.trim="title" label="会议主题" placeholder="必填" data-testid="book-title" />
        <van-field label="参会人数">
          <template #input><van-stepper v-model="attendees" min="1" :max="room.capacity" integer data-testid="book-attendees" /></template>
        </van-field>
        <van-cell title="每周重复" center>
          <template #right-icon><van-switch v-model="weekly" size="20" data-testid="book-weekly" /></template>
        </van-cell>
        <van-field v-if="weekly" label="重复周数">
          <template #input><van-stepper v-model="weeks" min="2" max="12" integer data-testid="book-weeks" /></template>
        </van-field>
      </van-cell-group>
      <div class="actions">
        <van-button type="primary" block round :loading="busy" :disabled="!title || !start || !end" data-testid="book-submit" @click="submit">
          {{ room.needs_approval ? "提交审批" : "立即预定" }}
        </van-button>
      </div>
    </div>`,
  setup() {
    const room = Vue.ref(null);
    const date = Vue.ref(route.query.date || localDate(0));
    const start = Vue.ref("");
    const end = Vue.ref("");
    const title = Vue.ref("");
    const attendees = Vue.ref(2);
    const weekly = Vue.ref(false);
    const weeks = Vue.ref(4);
    const busy = Vue.ref(false);
    const times = Vue.computed(() => (room.value ? grid(room.value) : []));
    async function load() {
      const items = (await api.get("/meetings/rooms", { date: date.value })).items;
      room.value = items.find((r) => String(r.id) === route.params.room) || null;
      if (!room.value) return showToast("会议室不存在或已停用");
      if (!start.value) {
        start.value = times.value.find((t) => t >= "09:00") || times.value[0];
        end.value = times.value[times.value.indexOf(start.value) + 1];
      }
    }
    Vue.watch(start, (value) => {
      if (end.value <= value) end.value = times.value[times.value.indexOf(value) + 1];
    });
    Vue.watch(date, load);
    async function submit() {
      busy.value = true;
      const body = { room_id: room.value.id, start: isoAt(date.value, start.value), end: isoAt(date.value, end.value), title: title.value, attendees: Number(attendees.value) };
      try {
        if (weekly.value) {
          const series = await api.post("/meetings/bookings/series", { ...body, weeks: Number(weeks.value) });
          const skipped = series.skipped.length ? `，${series.skipped.length} 周因冲突跳过` : "";
          showToast(`已预定 ${series.bookings.length} 次${skipped}`, "success");
        } else {
          const booking = await api.post("/meetings/bookings", body);
          showToast(booking.status === "pending_approval" ? "已提交，等待审批" : "预定成功", "success");
        }
        replace("/meetings/mine");
      } finally {
        busy.value = false;
      }
    }
    Vue.onMounted(load);
    return { room, date, start, end, title, attendees, weekly, weeks, busy, times, submit, hhmm };
  },
};
