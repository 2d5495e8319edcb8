// Admin: publish a menu with its dishes and staggered pickup slots.
import { Vue } from "../vendor.js";
import { api, showToast } from "../api.js";
import { dayLabel, isoAt, localDate } from "../format.js";
import { useAction } from "../ui.js";
import DatetimeField from "./datetime-field.js";

function addMinutes(hm, minutes) {
  const [h, m] = hm.split(":").map(Number);
  const total = h * 60 + m + minutes;
  return `${String(Math.floor(total / 60)).padStart(2, "0")}:${String(total % 60).padStart(2, "0")}`;
}

export default {
  components: { DatetimeField },
  template: `
    <div>
      <van-cell-group inset class="first">
        <datetime-field v-model="form.date" mode="date" label="日期" required testid="menu-date" :min-date="today" :error-message="save.fields.date" />
        <van-field label="餐次">
          <template #input>
            <van-radio-group v-model="form.meal" direction="horizontal">
              <van-radio name="breakfast">早餐</van-radio><van-radio name="lunch">午餐</van-radio><van-radio name="dinner">晚餐</van-radio>
            </van-radio-group>
          </template>
        </van-field>
        <van-field v-model.trim="form.canteen" label="食堂" required data-testid="menu-canteen" :error-message="save.fields.canteen" />
        <datetime-field v-model="form.deadline" mode="time" :label="'截止时间（' + dayLabel(form.date) + '）'" required testid="menu-deadline"
                        :error-message="save.fields.order_deadline" />
        <van-field label="每人限订">
          <template #input><van-stepper v-model="form.per_user_limit" min="1" max="10" integer /></template>
        </van-field>
      </van-cell-group>
      <div class="section-title">菜品（名称 价格元 份数，每行一道）</div>
      <van-cell-group inset>
        <van-field v-model="dishes" type="textarea" rows="4" autosize data-testid="menu-dishes" placeholder="红烧肉套餐 15 200" :error-message="dishError" />
      </van-cell-group>
      <div class="section-title">取餐时段</div>
      <van-cell-group inset>
        <datetime-field v-model="slots.first" mode="time" label="首个时段" required testid="menu-first-slot" :error-message="slotError" />
        <van-field label="每段分钟"><template #input><van-stepper v-model="slots.minutes" min="5" max="120" step="5" integer /></template></van-field>
        <van-field label="时段数"><template #input><van-stepper v-model="slots.count" min="1" max="48" integer /></template></van-field>
        <van-field label="每段容量"><template #input><van-stepper v-model="slots.capacity" min="1" max="5000" integer /></template></van-field>
      </van-cell-group>
      <div class="actions"><van-button type="primary" block round :loading="save.busy" data-testid="menu-submit" @click="submit">发布菜单</van-button></div>
    </div>`,
  setup() {
    const form = Vue.reactive({ date: localDate(1), meal: "lunch", canteen: "机关食堂", deadline: "10:00", per_user_limit: 1 });
    const dishes = Vue.ref("红烧肉套餐 15 200\n清蒸鲈鱼套餐 18 150\n素什锦套餐 12 200");
    const slots = Vue.reactive({ first: "11:30", minutes: 15, count: 6, capacity: 100 });
    // One menu = one key: a double tap or a retry publishes it once.
    const save = useAction((key, body) => api.post("/admin/meals/menus", body, { key, quiet: true }), {
      done(menu) {
        showToast(`菜单已发布（${dayLabel(menu.date)}，${menu.dishes.length} 道菜，${menu.slots.length} 个时段）`, "success");
        save.reset();
      },
    });
    const fieldsLike = (prefix) => Object.entries(save.fields).filter(([k]) => k.startsWith(prefix)).map(([, v]) => v).join("；");
    const dishError = Vue.computed(() => fieldsLike("dishes"));
    const slotError = Vue.computed(() => fieldsLike("slots"));
    function submit() {
      const parsed = dishes.value.split("\n").map((line) => line.trim()).filter(Boolean).map((line) => {
        const [name, price, stock] = line.split(/\s+/);
        return { name, price_fen: Math.round(Number(price) * 100), stock: Number(stock) };
      });
      const body = {
        date: form.date, meal: form.meal, canteen: form.canteen, order_deadline: isoAt(form.date, form.deadline),
        per_user_limit: Number(form.per_user_limit), dishes: parsed,
        slots: Array.from({ length: Number(slots.count) }, (_, i) => ({
          start: isoAt(form.date, addMinutes(slots.first, i * slots.minutes)),
          end: isoAt(form.date, addMinutes(slots.first, (i + 1) * slots.minutes)),
          capacity: Number(slots.capacity),
        })),
      };
      return save.run(body);
    }
    return { form, dishes, slots, save, dishError, slotError, submit, dayLabel, today: localDate(0) };
  },
};
