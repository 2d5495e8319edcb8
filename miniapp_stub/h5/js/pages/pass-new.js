// Invite a visitor: name, phone, plate, purpose, validity window, entries.
import { Vue } from "../vendor.js";
import { api, showToast } from "../api.js";
import { replace } from "../router.js";

/** "YYYY-MM-DDTHH:MM" in Asia/Shanghai for a datetime-local input. */
function localInput(date) {
  const shifted = new Date(date.getTime() + 8 * 3_600_000);
  return shifted.toISOString().slice(0, 16);
}

export default {
  template: `
    <div>
      <van-cell-group inset class="first">
        <van-field v-model.trim="form.visitor_name" label="访客姓名" placeholder="必填" data-testid="pass-visitor-name" />
        <van-field v-model.trim="form.visitor_phone" label="手机号" type="tel" placeholder="访客的手机号" data-testid="pass-visitor-phone" />
        <van-field v-model.trim="form.plate" label="车牌号" placeholder="选填，如 苏A12345" data-testid="pass-plate" />
        <van-field v-model.trim="form.purpose" label="来访事由" placeholder="如 项目对接" data-testid="pass-purpose" />
        <van-field v-model="form.valid_from" label="生效时间" type="datetime-local" data-testid="pass-valid-from" />
        <van-field v-model="form.valid_to" label="失效时间" type="datetime-local" data-testid="pass-valid-to" />
        <van-field label="入场次数">
          <template #input><van-stepper v-model="form.max_entries" min="1" max="20" integer data-testid="pass-max-entries" /></template>
        </van-field>
      </van-cell-group>
      <p class="hint">通行码有效期最长 7 天。访客到达门岗出示二维码即可入场，入场后你会收到通知。</p>
      <div class="actions">
        <van-button type="primary" block round :loading="busy" data-testid="pass-submit" @click="submit">生成通行码</van-button>
      </div>
    </div>`,
  setup() {
    const now = new Date();
    const form = Vue.reactive({
      visitor_name: "", visitor_phone: "", plate: "", purpose: "",
      valid_from: localInput(now), valid_to: localInput(new Date(now.getTime() + 4 * 3_600_000)), max_entries: 1,
    });
    const busy = Vue.ref(false);
    async function submit() {
      busy.value = true;
      try {
        const made = await api.post("/visitors/passes", {
          ...form,
          plate: form.plate || null,
          max_entries: Number(form.max_entries),
          valid_from: `${form.valid_from}:00+08:00`,
          valid_to: `${form.valid_to}:00+08:00`,
        });
        showToast("通行码已生成", "success");
        replace(`/visitors/${made.id}`);
      } finally {
        busy.value = false;
      }
    }
    return { form, busy, submit };
  },
};
