// The car-wash station's day at the counter: the bay bookings by slot (plate, time, status) and
// the washes taken, with a scanner field (a keyboard-wedge scanner types the owner's code and
// Enter) that redeems one wash and reloads the day.
import { Vue } from "../vendor.js";
import { api, showToast } from "../api.js";
import { dateTime, dayLabel, hhmm, localDate, statusText, statusType } from "../format.js";
import { useAction, usePage } from "../ui.js";
import { route } from "../router.js";

export default {
  template: `
    <div class="carwash-day">
      <van-cell-group inset class="first no-print">
        <van-field v-model.trim="code" label="核销码" placeholder="扫描车主出示的核销码" data-testid="day-code" @keydown.enter.prevent="redeemNow" />
        <van-field v-model.trim="plate" label="车牌号" placeholder="可选，如 粤B12345" data-testid="day-plate" @keydown.enter.prevent="redeemNow">
          <template #button><van-button size="small" type="primary" class="tap" :loading="redeem.busy" :disabled="!code" data-testid="day-redeem" @click="redeemNow">核销</van-button></template>
        </van-field>
      </van-cell-group>
      <div class="day-bar">
        <van-button plain icon="arrow-left" aria-label="前一天" data-testid="day-prev" @click="shift(-1)" />
        <b data-testid="day-date">{{ dayLabel(date) }}</b>
        <van-button plain icon="arrow" aria-label="后一天" data-testid="day-next" @click="shift(1)" />
      </div>
      <page-state :page="page" empty="当天没有预约，也没有核销">
        <div class="desk">
          <div>
            <div class="section-title">工位预约 <span class="muted" data-testid="day-booking-count">{{ page.data.items.length }} 个</span></div>
            <van-empty v-if="!page.data.items.length" description="当天没有预约" />
            <div v-else class="desk-table-wrap">
              <table class="desk-table" data-testid="day-bookings">
                <thead><tr><th>时段</th><th>车牌</th><th>车主</th><th>状态</th></tr></thead>
                <tbody>
                  <tr v-for="b in page.data.items" :key="b.id" :data-testid="'day-booking-' + b.id">
                    <td>{{ hhmm(b.slot.start) }}–{{ hhmm(b.slot.end) }}</td><td><b>{{ b.plate }}</b></td><td>{{ b.name_masked }}</td>
                    <td><van-tag :type="statusType('carwash_booking', b.status)" :data-testid="'day-booking-status-' + b.id">{{ statusText("carwash_booking", b.status) }}</van-tag></td>
                  </tr>
                </tbody>
              </table>
            </div>
          </div>
          <div>
            <div class="section-title">洗车记录 <span class="muted" data-testid="day-wash-count">{{ page.data.washes.length }} 次</span></div>
            <van-empty v-if="!page.data.washes.length" description="当天还没有核销" />
            <div v-else class="desk-table-wrap">
              <table class="desk-table" data-testid="day-washes">
                <thead><tr><th>时间</th><th>车牌</th><th>车主</th><th>洗车卡</th><th class="num">剩余</th><th>预约</th></tr></thead>
                <tbody>
                  <tr v-for="w in page.data.washes" :key="w.id" :data-testid="'day-wash-' + w.id">
                    <td>{{ hhmm(w.washed_at) }}</td><td>{{ w.plate || "—" }}</td><td>{{ w.name_masked }}</td><td>{{ w.card_type }}</td>
                    <td class="num">{{ w.washes_left }}</td><td>{{ w.booking_id ? "有" : "到店" }}</td>
                  </tr>
                </tbody>
              </table>
            </div>
          </div>
        </div>
      </page-state>
      <div v-if="last" class="result-card valid" data-testid="day-result">
        <div class="result-title">核销成功 · {{ last.card.type.name }}</div>
        <div class="result-rows">
          <div><span>剩余次数</span><b>{{ last.card.washes_left }}</b></div>
          <div><span>核销时间</span><b>{{ dateTime(last.washed_at) }}</b></div>
        </div>
      </div>
    </div>`,
  setup() {
    const date = Vue.ref(route.query.date || localDate(0));
    const code = Vue.ref("");
    const plate = Vue.ref("");
    const last = Vue.ref(null);
    const page = usePage(() => api.get("/carwash/desk/bookings", { date: date.value }, { quiet: true }), {
      isEmpty: (day) => !day.items.length && !day.washes.length,
    });
    // One scanned code = one key: a retried redemption never takes a second wash.
    const redeem = useAction((key, body) => api.post("/carwash/redeem", body, { key, quiet: true }), {
      done(answer) {
        last.value = answer;
        code.value = "";
        plate.value = "";
        showToast("核销成功", "success");
        page.refresh();
      },
    });
    function redeemNow() {
      if (code.value) redeem.run({ code: code.value, plate: plate.value || null });
    }
    function shift(days) {
      const next = new Date(`${date.value}T12:00:00+08:00`).getTime() + days * 86_400_000;
      date.value = new Date(next).toISOString().slice(0, 10);
      page.reload();
    }
    return { date, code, plate, last, page, redeem, redeemNow, shift, dateTime, dayLabel, hhmm, statusText, statusType };
  },
};
