// Invite a visitor: name, phone, plate, purpose, validity window, entries. The server's
// reasons (a bad phone, a window in the past) are shown under their fields.
import { Vue } from "../vendor.js";
import { api, showToast } from "../api.js";
import { localDate } from "../format.js";
import { useAction } from "../ui.js";
import { replace } from "../router.js";
import DatetimeField from "./datetime-field.js";

/** "YYYY-MM-DDTHH:MM" in Asia/Shanghai. */
function localInput(date) {
  const shifted = new Date(date.getTime() + 8 * 3_600_000);
  return shifted.toISOString().slice(0, 16);
}

export default {
  components: { DatetimeField },
  template: `
    <div>
      <van-cell-group inset class="first">
        <van-field v-model.trim="form.visitor_name" label="访客姓名" required placeholder="必填" data-testid="pass-visitor-name"
                   :error-message="save.fields.visitor_name" />
        <van-field v-model.trim="form.visitor_phone" label="手机号" required type="tel" placeholder="访客的手机号" data-testid="pass-visitor-phone"
                   :error-message="save.fields.visitor_phone" />
        <van-field v-model.trim="form.plate" label="车牌号" placeholder="选填，如 苏A12345" data-testid="pass-plate"
                   :error-message="save.fields.plate" />
        <van-field v-model.trim="form.purpose" label="来访事由" required placeholder="如 项目对接" data-testid="pass-purpose"
                   :error-message="save.fields.purpose" />
        <datetime-field v-model="form.valid_from" label="生效时间" required testid="pass-valid-from" :min-date="today"
                        :error-message="save.fields.valid_from" />
        <datetime-field v-model="form.valid_to" label="失效时间" required testid="pass-valid-to" :min-date="today"
                        :error-message="save.fields.valid_to" />
        <van-field label="入场次数" :error-message="save.fields.max_entries">
          <template #input><van-stepper v-model="form.max_entries" min="1" max="20" integer data-testid="pass-max-entries" /></template>
        </van-field>
      </van-cell-group>
      <p class="hint">通行码有效期最长 7 天。访客到达门岗出示二维码即可入场，入场后你会收到通知。</p>
      <div class="actions">
        <van-button type="primary" block round :loading="save.busy" :disabled="!form.visitor_name || !form.visitor_phone"
                    data-testid="pass-submit" @click="submit">生成通行码</van-button>
      </div>
    </div>`,
  setup() {
    const now = new Date();
    const form = Vue.reactive({
      visitor_name: "", visitor_phone: "", plate: "", purpose: "",
      valid_from: localInput(now), valid_to: localInput(new Date(now.getTime() + 4 * 3_600_000)), max_entries: 1,
    });
    // One invitation = one key: a retry after a lost reply makes no second pass.
    const save = useAction((key, body) => api.post("/visitors/passes", body, { key, quiet: true }), {
      done(made) {
        showToast("通行码已生成", "success");
        replace(`/visitors/${made.id}`);
      },
    });
    function submit() {
      return save.run({
        ...form,
        plate: form.plate || null,
        max_entries: Number(form.max_entries),
        valid_from: `${form.valid_from}:00+08:00`,
        valid_to: `${form.valid_to}:00+08:00`,
      });
    }
    return { form, save, submit, today: localDate(0) };
  },
};
