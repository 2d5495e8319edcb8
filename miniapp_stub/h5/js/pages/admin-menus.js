// Admin: publish a menu with its dishes and staggered pickup slots.
import { Vue } from "../vendor.js";
import { api, isoAt, localDate, showToast } from "../api.js";

function addMinutes(hm, minutes) {
  const [h, m] = hm.split(":").map(Number);
  const total = h * 60 + m + minutes;
  return `${String(Math.floor(total / 60)).padStart(2, "0")}:${String(total % 60).padStart(2, "0")}`;
}

export default {
  template: `
    <div>
      <van-cell-group inset class="first">
        <van-field v-model="form.date" type="date" label="日期" data-testid="menu-date" />
        <van-field label="餐次">
          <template #input>
            <van-radio-group v-model="form.meal" direction="horizontal">
              <van-radio name="breakfast">早餐</van-radio><van-radio name="lunch">午餐</van-radio><van-radio name="dinner">晚餐</van-radio>
            </van-radio-group>
          </template>
        </van-field>
        <van-field v-model.trim="form.canteen" label="食堂" data-testid="menu-canteen" />
        <van-field v-model="form.deadline" type="time" label="截止时间" data-testid="menu-deadline" />
        <van-field label="每人限订">
          <template #input><van-stepper v-model="form.per_user_limit" min="1" max="10" integer /></template>
        </van-field>
      </van-cell-group>
      <div class="section-title">菜品（名称 价格元 份数，每行一道）</div>
      <van-cell-group inset>
        <van-field v-model="dishes" type="textarea" rows="4" autosize data-testid="menu-dishes" placeholder="红烧肉套餐 15 200" />
      </van-cell-group>
      <div class="section-title">取餐时段</div>
      <van-cell-group inset>
        <van-field v-model="slots.first" type="time" label="首个时段" />
        <van-field label="每段分钟"><template #input><van-stepper v-model="slots.minutes" min="5" max="120" step="5" integer /></template></van-field>
        <van-field label="时段数"><template #input><van-stepper v-model="slots.count" min="1" max="48" integer /></template></van-field>
        <van-field label="每段容量"><template #input><van-stepper v-model="slots.capacity" min="1" max="5000" integer /></template></van-field>
      </van-cell-group>
      <div class="actions"><van-button type="primary" block round data-testid="menu-submit" @click="submit">发布菜单</van-button></div>
    </div>`,
  setup() {
    const form = Vue.reactive({ date: localDate(1), meal: "lunch", canteen: "机关食堂", deadline: "10:00", per_user_limit: 1 });
    const dishes = Vue.ref("红烧肉套餐 15 200\n清蒸鲈鱼套餐 18 150\n素什锦套餐 12 200");
    const slots = Vue.reactive({ first: "11:30", minutes: 15, count: 6, capacity: 100 });
    async function submit() {
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
      const menu = await api.post("/admin/meals/menus", body);
      showToast(`菜单已发布（${menu.dishes.length} 道菜，${menu.slots.length} 个时段）`, "success");
    }
    return { form, dishes, slots, submit };
  },
};
