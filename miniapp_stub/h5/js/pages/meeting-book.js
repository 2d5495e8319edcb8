// Book a room: a time on its slot grid, title, attendees; optionally the same time every week.
// Times already past (today) are not offered; the day's busy times are shown with the day.
import { Vue } from "../vendor.js";
import { api, showToast } from "../api.js";
import { dayLabel, hhmm, isoAt, localDate } from "../format.js";
import { usePage, useAction } from "../ui.js";
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
    <page-state :page="page" :pull="false" empty="会议室不存在或已停用">
      <div v-if="room">
        <div class="banner">
          <div class="banner-title">{{ room.name }}</div>
          <div class="banner-sub">{{ room.building }} {{ room.floor }}层 · 可容纳 {{ room.capacity }} 人 · {{ room.equipment.join("、") }}</div>
        </div>
        <div class="section-title" data-testid="book-busy">{{ dayLabel(date) }} 已占用：{{ room.busy.length ? room.busy.map((b) => hhmm(b.start) + "–" + hhmm(b.end)).join("，") : "全天空闲" }}</div>
        <van-cell-group inset>
          <van-field v-model="date" type="date" label="日期" required data-testid="book-date" :error-message="save.fields.date" />
          <van-field label="开始" required :error-message="save.fields.start">
            <template #input><select v-model="start" class="select" data-testid="book-start"><option v-for="t in startTimes" :key="t" :value="t">{{ t }}</option></select></template>
          </van-field>
          <van-field label="结束" required :error-message="save.fields.end">
            <template #input><select v-model="end" class="select" data-testid="book-end"><option v-for="t in times.filter((t) => t > start)" :key="t" :value="t">{{ t }}</option></select></template>
          </van-field>
          <van-field v-model.trim="title" label="会议主题" required placeholder="必填" data-testid="book-title" :error-message="save.fields.title" />
          <van-field label="参会人数" required :error-message="save.fields.attendees">
            <template #input><van-stepper v-model="attendees" min="1" :max="room.capacity" integer data-testid="book-attendees" /></template>
          </van-field>
          <van-cell title="每周重复" center>
            <template #right-icon><van-switch v-model="weekly" size="24" data-testid="book-weekly" /></template>
          </van-cell>
          <van-field v-if="weekly" label="重复周数" :error-message="save.fields.weeks">
            <template #input><van-stepper v-model="weeks" min="2" max="12" integer data-testid="book-weeks" /></template>
          </van-field>
        </van-cell-group>
        <div v-if="pastDay || !startTimes.length" class="muted center gap" data-testid="book-closed-reason">{{ pastDay ? "不能预定已过去的日期" : "今天已没有可预定的时间" }}</div>
        <div class="actions">
          <van-button type="primary" block round :loading="save.busy" :disabled="!title || !start || !end || pastDay" data-testid="book-submit" @click="submit">
            {{ room.needs_approval ? "提交审批" : "立即预定" }}
          </van-button>
        </div>
      </div>
    </page-state>`,
  setup() {
    const date = Vue.ref(route.query.date || localDate(0));
    const page = usePage(async () => {
      const items = (await api.get("/meetings/rooms", { date: date.value }, { quiet: true })).items;
      return items.find((r) => String(r.id) === route.params.room) || null;
    });
    const room = Vue.computed(() => page.data);
    const start = Vue.ref("");
    const end = Vue.ref("");
    const title = Vue.ref("");
    const attendees = Vue.ref(2);
    const weekly = Vue.ref(false);
    const weeks = Vue.ref(4);
    const times = Vue.computed(() => (room.value ? grid(room.value) : []));
    const pastDay = Vue.computed(() => date.value < localDate(0));
    const startTimes = Vue.computed(() => {
      const all = times.value.slice(0, -1);
      if (date.value !== localDate(0)) return all;
      const now = hhmm(new Date().toISOString());
      return all.filter((t) => t > now);
    });
    Vue.watch(startTimes, (list) => {
      if (!list.includes(start.value)) {
        start.value = list.find((t) => t >= "09:00") || list[0] || "";
        end.value = times.value[times.value.indexOf(start.value) + 1] || "";
      }
    });
    Vue.watch(start, (value) => {
      if (end.value <= value) end.value = times.value[times.value.indexOf(value) + 1];
    });
    Vue.watch(date, () => page.refresh());
    // One booking (or series) = one key: a double tap or a retry books it once.
    const save = useAction((key, body, series) =>
      series ? api.post("/meetings/bookings/series", body, { key, quiet: true }) : api.post("/meetings/bookings", body, { key, quiet: true }));
    async function submit() {
      const body = { room_id: room.value.id, start: isoAt(date.value, start.value), end: isoAt(date.value, end.value), title: title.value, attendees: Number(attendees.value) };
      const result = weekly.value ? await save.run({ ...body, weeks: Number(weeks.value) }, true) : await save.run(body, false);
      if (!result) return;
      if (weekly.value) {
        const skipped = result.skipped.length ? `，${result.skipped.length} 周因冲突跳过` : "";
        showToast(`已预定 ${result.bookings.length} 次${skipped}`, "success");
      } else {
        showToast(result.status === "pending_approval" ? "已提交，等待审批" : "预定成功", "success");
      }
      replace("/meetings/mine?new=1");
    }
    return { page, room, date, start, end, title, attendees, weekly, weeks, save, times, startTimes, pastDay, submit, hhmm, dayLabel };
  },
};
